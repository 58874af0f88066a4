#!/usr/bin/env python3
"""Write tiny 64-bit guests as ELF files, and broken kernel images, for the
`xsvm run` integration tests.

Each guest is a few instructions entered at 1 MiB in long mode by xsvm's
64-bit boot protocol. Usage: mkguest.py KIND OUT
"""
import struct
import sys

LOAD = 0x100000
UART = 0x3F8
DEBUG_EXIT = 0xF4


def elf(code, paddr=LOAD, memsz=None):
    """An ELF64 x86-64 executable with one PT_LOAD holding code."""
    off = 0x1000
    memsz = len(code) if memsz is None else memsz
    ehdr = struct.pack("<16sHHIQQQIHHHHHH",
                       b"\x7fELF\x02\x01\x01" + b"\0" * 9,
                       2, 0x3E, 1, paddr, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, off, paddr, paddr,
                       len(code), memsz, 0x1000)
    img = ehdr + phdr
    return img + b"\0" * (off - len(img)) + code


def prints(text):
    """lea rsi,[rip+msg]; mov ecx,len; mov edx,UART; rep outsb; jmp over."""
    msg = text.encode()
    code = b"\xb9" + struct.pack("<I", len(msg))      # mov ecx, len
    code += b"\xba" + struct.pack("<I", UART)         # mov edx, 0x3f8
    code += b"\x48\x8d\x35" + struct.pack("<i", 7)    # lea rsi, [rip+7]
    code += b"\xf3\x6e"                               # rep outsb
    code += b"\xe9" + struct.pack("<i", len(msg))     # jmp past msg
    return code + msg


def debug_exit(value):
    """mov al, value; mov dx, 0xf4; out dx, al; then hang."""
    return (b"\xb0" + bytes([value]) + b"\x66\xba" +
            struct.pack("<H", DEBUG_EXIT) + b"\xee" + hang())


def hang():
    return b"\xeb\xfe"                                # jmp $


def hostile_io():
    """Reads and writes of ports no device owns, and a wide UART access."""
    code = b""
    for port in (0x80, 0x1234, 0xCF8, 0xFFFF):
        code += b"\x66\xba" + struct.pack("<H", port)  # mov dx, port
        code += b"\xec"                                # in al, dx
        code += b"\xed"                                # in eax, dx
        code += b"\xee"                                # out dx, al
    code += b"\x66\xba" + struct.pack("<H", 0x60)      # i8042 data port
    code += b"\xec"                                    # in al, dx
    code += b"\x66\xba" + struct.pack("<H", UART + 5)  # LSR
    code += b"\xec"                                    # in al, dx
    return code


PASS_LINE = ("x86/fpu: Enabled xstate features 0x7, context size is 832 "
             "bytes, using 'compacted' format.\n")
PROBLEM_LINES = ("XSAVE consistency problem: size 10752 != kernel_size 10704\n"
                 "CPUID[0d, 00]: eax=000602e7 ebx=00002b00 ecx=00002b00 "
                 "edx=00000000\n")


def bzimage(version=0x20F, magic=b"HdrS", flag=0xAA55, payload=b"\0" * 64,
            truncate=None):
    """A bzImage-shaped file: setup sectors, header, payload."""
    setup_sects = 4
    pm = (setup_sects + 1) * 512
    img = bytearray(pm + 0x400 + len(payload))
    img[0x1F1] = setup_sects
    img[0x200:0x202] = b"\xeb\x66"  # jmp to the end of the header, 0x268
    struct.pack_into("<H", img, 0x1FE, flag)
    img[0x202:0x206] = magic
    struct.pack_into("<H", img, 0x206, version)
    img[0x211] = 1
    struct.pack_into("<I", img, 0x214, 0x100000)
    struct.pack_into("<I", img, 0x22C, 0x7FFFFFFF)
    struct.pack_into("<I", img, 0x230, 0x200000)
    img[0x234] = 1
    struct.pack_into("<H", img, 0x236, 0x7F)
    struct.pack_into("<I", img, 0x238, 2047)
    struct.pack_into("<II", img, 0x248, 0x400, len(payload))
    struct.pack_into("<Q", img, 0x258, 0x1000000)
    struct.pack_into("<I", img, 0x260, 0x1000000)
    img[pm + 0x400:] = payload
    return bytes(img[:truncate] if truncate else img)


GUESTS = {
    "pass": lambda: elf(prints("booting\n" + PASS_LINE + "after\n") +
                        debug_exit(0)),
    "problem": lambda: elf(prints(PROBLEM_LINES + "after\n") + debug_exit(0)),
    "crash": lambda: elf(prints("about to fault\n") + b"\x0f\x0b"),  # ud2
    "hang": lambda: elf(prints("spinning\n") + hang()),
    "silent-exit": lambda: elf(debug_exit(3)),
    "hostile": lambda: elf(hostile_io() + prints(PASS_LINE + "after\n") +
                           debug_exit(0)),
    "outside-ram": lambda: elf(hang(), paddr=0x40000000),
    "bss-outside-ram": lambda: elf(hang(), memsz=0x10000000),
    "middle-of-ram": lambda: elf(hang(), paddr=0x1000000, memsz=0x800000),
    "bz-truncated": lambda: bzimage(truncate=1500),
    "bz-no-hdrs": lambda: bzimage(magic=b"Hdr!"),
    "bz-no-bootflag": lambda: bzimage(flag=0),
    "bz-old": lambda: bzimage(version=0x208),
    "bz-corrupt-xz": lambda: bzimage(payload=b"\xfd7zXZ\0" + b"\x55" * 64),
    "garbage": lambda: b"this is not a kernel\n" * 40,
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in GUESTS:
        sys.exit("usage: mkguest.py {%s} OUT" % ",".join(sorted(GUESTS)))
    with open(sys.argv[2], "wb") as f:
        f.write(GUESTS[sys.argv[1]]())


if __name__ == "__main__":
    main()
