# Turn a text file into a C array: cmake -DIN=file -DOUT=file.c -DSYM=name
# -DLEN=name_len -DHEADER=header.h -P tools/embed.cmake. Defines SYM
# (NUL-terminated) and LEN (the length without the NUL).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" nhex)
math(EXPR len "${nhex} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
get_filename_component(name "${IN}" NAME)
file(WRITE "${OUT}.tmp"
	"/* Generated at build time from ${name}: do not edit. */\n"
	"#include <stddef.h>\n"
	"#include \"${HEADER}\"\n\n"
	"const char ${SYM}[] = {\n\t${bytes}0x00\n};\n"
	"const size_t ${LEN} = ${len};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
