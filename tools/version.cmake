# Write the version file of the xsvm binary:
#   cmake -DSRC=source-root -DOUT=version.c -DVERSION=x.y.z -P tools/version.cmake
# The revision is the short git commit of SRC, with "-dirty" when tracked
# files differ from it, or "unknown" outside a git checkout. OUT is
# rewritten only when its text changes, so an unchanged tree relinks nothing.
execute_process(COMMAND git -C "${SRC}" rev-parse --short=7 HEAD
	OUTPUT_VARIABLE rev RESULT_VARIABLE rc
	OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(rc OR rev STREQUAL "")
	set(rev unknown)
else()
	execute_process(COMMAND git -C "${SRC}" diff --quiet HEAD --
		RESULT_VARIABLE dirty ERROR_QUIET)
	if(dirty)
		set(rev "${rev}-dirty")
	endif()
endif()
string(CONCAT text
	"/* Generated at build time by tools/version.cmake: do not edit. */\n"
	"#include \"vmm/cli/version.h\"\n\n"
	"const char xsvm_version[] = \"${VERSION}\";\n"
	"const char xsvm_revision[] = \"${rev}\";\n")
if(EXISTS "${OUT}")
	file(READ "${OUT}" old)
	if(old STREQUAL text)
		return()
	endif()
endif()
file(WRITE "${OUT}" "${text}")
