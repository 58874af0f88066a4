#!/usr/bin/env python3
"""Write tiny 64-bit guests as ELF files, and broken kernel images, for the
`xsvm run` integration tests.

Each guest is a few instructions entered at 1 MiB in long mode by xsvm's
64-bit boot protocol. Usage: mkguest.py KIND OUT; mkguest.py counts KIND
prints the port counters that the ports-* guest KIND must give.
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


def spin(n):
    """mov ecx, n; dec ecx; jnz: 2n instructions (n = 400000 takes about
    0.6 s where KVM emulates every instruction)."""
    return b"\xb9" + struct.pack("<I", n) + b"\xff\xc9\x75\xfc"


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


# ---------------------------------------------------------------- hostile
# Guests that hammer the VMM, hand-assembled. Each helper returns bytes.

SVC = 0x5A0


def jcc8(op, body):
    """Skip body when the condition of op (a one-byte jcc opcode) holds."""
    assert len(body) < 128
    return bytes([op, len(body)]) + body


def mov_edx(port):
    return b"\xba" + struct.pack("<I", port)             # mov edx, port


def mov_eax(v):
    return b"\xb8" + struct.pack("<I", v & 0xFFFFFFFF)   # mov eax, imm32


def out32(port, v):
    """mov edx, port; mov eax, v; out dx, eax"""
    return mov_edx(port) + mov_eax(v) + b"\xef"


def print_hex32():
    """Prints edi as 8 lower-case hex digits on the UART (clobbers eax,
    ecx, edx, edi)."""
    body = (b"\xc1\xc7\x04"          # rol edi, 4
            b"\x89\xf8"              # mov eax, edi
            b"\x83\xe0\x0f"          # and eax, 0xf
            b"\x83\xf8\x0a"          # cmp eax, 10
            b"\x72\x02"              # jb +2
            b"\x04\x27"              # add al, 'a' - '0' - 10
            b"\x04\x30"              # add al, '0'
            + mov_edx(UART) +
            b"\xee"                  # out dx, al
            b"\xff\xc9")             # dec ecx
    return (b"\xb9\x08\x00\x00\x00" + body +             # mov ecx, 8
            b"\x75" + bytes([(-(len(body) + 2)) & 0xFF]))  # jnz body


def svc_print(label, off):
    """Prints label and the service's 32-bit register at off in hex."""
    return (prints(label) + mov_edx(SVC + off) + b"\xed" +  # in eax, dx
            b"\x89\xc7" + print_hex32())                    # mov edi, eax


def ports_all(stride):
    """Ports 0..0xffff by stride, each read and written with sizes 1, 2
    and 4; writes carry 0x2e ('.') in every byte. The writes that would
    reach the debug-exit port 0xf4 are left out."""
    body = (b"\x89\xda"                        # mov edx, ebx
            b"\xec\x66\xed\xed"                # in al, dx; in ax, dx; in eax, dx
            + mov_eax(0x2E2E2E2E) +
            b"\x81\xfb" + struct.pack("<I", 0xF4) +            # cmp ebx, 0xf4
            jcc8(0x74, b"\xee") +                              # je; out dx, al
            b"\x89\xd9\x81\xe9" + struct.pack("<I", 0xF3) +    # ecx = ebx - 0xf3
            b"\x83\xf9\x02" + jcc8(0x72, b"\x66\xef") +        # jb; out dx, ax
            b"\x89\xd9\x81\xe9" + struct.pack("<I", 0xF1) +    # ecx = ebx - 0xf1
            b"\x83\xf9\x04" + jcc8(0x72, b"\xef") +            # jb; out dx, eax
            b"\x81\xc3" + struct.pack("<I", stride) +          # add ebx, stride
            b"\x81\xfb" + struct.pack("<I", 0x10000))          # cmp ebx, 0x10000
    return (b"\x31\xdb" + body +                               # xor ebx, ebx
            b"\x0f\x82" + struct.pack("<i", -(len(body) + 6)))  # jb body


def ports_range(lo, hi):
    """Like ports_all, for the ports lo..hi-1 (mov ebx, lo; ... cmp hi)."""
    code = ports_all(1)
    code = b"\xbb" + struct.pack("<I", lo) + code[2:]
    i = code.rfind(b"\x81\xfb" + struct.pack("<I", 0x10000))
    return code[:i + 2] + struct.pack("<I", hi) + code[i + 6:]


def rep_str(op, port, count, ptr_reg, ptr, prefix=b""):
    """mov edx, port; mov rcx, count; mov rsi/rdi, ptr; rep [66] op."""
    mov_ptr = {"rsi": b"\x48\xbe", "rdi": b"\x48\xbf"}[ptr_reg]
    return (mov_edx(port) +
            b"\x48\xb9" + struct.pack("<Q", count) +           # mov rcx, imm64
            mov_ptr + struct.pack("<Q", ptr) +                 # mov r?i, imm64
            prefix + b"\xf3" + op)


INSB, INSD, OUTSB = b"\x6c", b"\x6d", b"\x6e"
STRING_BUF = 0x1000000


def string_io(n=1 << 20):
    """rep insb, insw and insd of n elements from an unowned port into RAM
    at 16 MiB, rep outsb of n bytes to an unowned port, then the same n
    bytes (all-ones, as read) to the UART, a newline, the pass line."""
    return (rep_str(INSB, 0x80, n, "rdi", STRING_BUF) +
            rep_str(INSD, 0x80, n, "rdi", STRING_BUF, b"\x66") +   # insw
            rep_str(INSD, 0x80, n, "rdi", STRING_BUF) +
            rep_str(OUTSB, 0x80, n, "rsi", STRING_BUF) +
            rep_str(OUTSB, UART, n, "rsi", STRING_BUF) +
            prints("\n" + PASS_LINE) + debug_exit(0))


def string_huge(op, port):
    """A rep string I/O of 2^32-1 bytes from 4 KiB below 4 GiB, beyond RAM:
    4 KiB of MMIO, then the end of the identity map: a page fault without
    an IDT, a triple fault."""
    ptr = "rsi" if op == OUTSB else "rdi"
    return (prints("huge string I/O\n") +
            rep_str(op, port, 0xFFFFFFFF, ptr, 0xFFFFF000) + hang())


MMIO_ADDRS = (0x10000000, 0xC0000000, 0xFFFFFFF8)


def mmio():
    """Reads and writes of 1, 2, 4 and 8 bytes at addresses beyond RAM
    (256 MiB); says whether every read gave all-ones."""
    fail = b"FAIL"
    code = b""
    for addr in MMIO_ADDRS:
        code += b"\xbb" + struct.pack("<I", addr)        # mov ebx, addr
        code += b"\x48\x31\xc0"                          # xor rax, rax
        code += b"\x8a\x03\x3c\xff\x0f\x85" + fail       # mov al,[rbx]; cmp al,-1; jne
        code += b"\x66\x8b\x03\x66\x83\xf8\xff\x0f\x85" + fail  # ax
        code += b"\x8b\x03\x83\xf8\xff\x0f\x85" + fail   # eax
        code += b"\x48\x8b\x03\x48\x83\xf8\xff\x0f\x85" + fail  # rax
        code += b"\x88\x03\x66\x89\x03\x89\x03\x48\x89\x03"  # the same, stored
    code += prints("mmio: every read gave all-ones\n" + PASS_LINE) + debug_exit(0)
    fail_at = len(code)
    code += prints("mmio: a read was not all-ones\n") + debug_exit(0)
    out = bytearray(code)
    i = out.find(fail)
    while i >= 0:
        out[i:i + 4] = struct.pack("<i", fail_at - (i + 4))
        i = out.find(fail)
    return bytes(out)


def cpuid_nonsense():
    """Nonsense for the CPUID service, each status printed as the service
    answered it, then a correct query whose answer the guest prints."""
    s = SVC
    c = mov_edx(s + 1) + mov_eax(1) + b"\xef"            # dword at offset 1
    c += mov_edx(s + 0x1E) + b"\xed"                     # dword read at 0x1e
    c += mov_edx(s + 0x1C) + b"\xb0\x01\xee"             # byte command 1
    c += mov_edx(s) + b"\xec\x66\xed"                    # byte, word reads
    c += mov_edx(s + 0x1C) + b"\x66\xb8\x01\x00\x66\xef"  # word command 1
    c += mov_edx(s + 0x1F) + b"\xec"                     # the last byte
    c += svc_print("before any command: status ", 0x10) + prints("\n")
    for cmd in (0, 4, 0xFFFFFFFF):
        c += out32(s + 0x1C, cmd)
        c += svc_print("command %#x: status " % cmd, 0x10) + prints("\n")
    # copies (command 3) to buffers that run past the end of RAM, the
    # address in leaf and subleaf
    for addr in (0xFFFFF000, 0xFFFFFFFFFFFFF000):
        c += out32(s, addr & 0xFFFFFFFF) + out32(s + 4, addr >> 32)
        c += out32(s + 0x1C, 3)
        c += svc_print("copy to %#x: status " % addr, 0x10)
        c += svc_print(" eax ", 0) + prints("\n")
    for table in range(2, 8):
        c += out32(s + 0x18, table) + out32(s + 0x1C, 1)
        c += svc_print("table %d: status " % table, 0x10) + prints("\n")
    c += out32(s + 0x18, 0) + out32(s, 0xD) + out32(s + 4, 0)
    c += out32(s + 8, 2) + out32(s + 0xC, 0) + out32(s + 0x1C, 1)
    c += svc_print("xcr0 0x2: status ", 0x10)
    c += svc_print(" ebx ", 4) + prints("\n")
    c += out32(s + 8, 0xFFFFFFFF) + out32(s + 0xC, 0xFFFFFFFF)
    c += out32(s + 0x1C, 1)
    c += svc_print("xcr0 all-ones: status ", 0x10) + prints("\n")
    for leaf in (0xFFFFFFFF, 0x8FFFFFFF, 0x4FFFFFFF):
        c += out32(s, leaf) + out32(s + 4, 0xFFFFFFFE) + out32(s + 0x1C, 1)
        c += svc_print("leaf %#x: status " % leaf, 0x10) + prints("\n")
    # the correct query: 0xD.0 with XCR0 = x87 | SSE
    c += out32(s, 0xD) + out32(s + 4, 0) + out32(s + 8, 3) + out32(s + 0xC, 0)
    c += out32(s + 0x10, 0) + out32(s + 0x14, 0) + out32(s + 0x1C, 1)
    c += svc_print("query 0xd.0 xcr0 0x3: status ", 0x10)
    c += svc_print(" ebx ", 4) + svc_print(" signature ", 0x1C) + prints("\n")
    return c + prints(PASS_LINE) + debug_exit(0)


def boot_structs():
    """Overwrites boot_params, the GDT and TSS, the command line and the
    page directories of 1..4 GiB with all-ones, then passes."""
    c = b"\xb0\xff"                                      # mov al, 0xff
    for addr, n in ((0x7000, 0x1000), (0x500, 0x100), (0x20000, 0x10000),
                    (0xC000, 0x3000)):
        c += b"\xbf" + struct.pack("<I", addr)           # mov edi, addr
        c += b"\xb9" + struct.pack("<I", n)              # mov ecx, n
        c += b"\xf3\xaa"                                 # rep stosb
    return (c + prints("boot structures overwritten\n" + PASS_LINE) +
            debug_exit(0))


# What the VMM must count for ports_all/ports_range. KVM's in-kernel
# devices (the irqchip and PIT2 that xsvm creates) take an access that lies
# inside their registered range: the PICs 0x20 and 0xa0 and the ELCR 0x4d0
# (2 ports each), the PIT 0x40 (4) and its dummy speaker, registered at 0x61
# with length 4 but answering only accesses that start at 0x61.
IN_KERNEL = ((0x20, 2), (0xA0, 2), (0x4D0, 2), (0x40, 4), (0x61, 4))
SPECIAL_RANGES = ((0, 0x101), (0x3F8, 0x400), (0x5A0, 0x5C0))


def in_kernel(port, size):
    inside = any(a <= port and port + size <= a + n for a, n in IN_KERNEL)
    return inside and not 0x61 < port < 0x65


def port_counts(ports):
    """(io_default_reads, io_default_writes, svc_bad_accesses, svc_queries)
    that xsvm reports for ports_all over these ports."""
    reads = writes = bad = queries = 0
    for p in ports:
        for write, size in ((w, s) for w in (False, True) for s in (1, 2, 4)):
            span = [(p + i) & 0xFFFF for i in range(size)]
            if (write and DEBUG_EXIT in span) or in_kernel(p, size):
                continue
            if SVC <= p < SVC + 0x20:
                if size != 4 or (p - SVC) % 4:
                    bad += 1
                elif write and p - SVC == 0x1C:
                    queries += 1
                continue
            n = sum(1 for b in span
                    if not (UART <= b < UART + 8 or b in (0x60, 0x64)))
            reads, writes = (reads, writes + n) if write else (reads + n, writes)
    return reads, writes, bad, queries


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
    # prints, spins, prints again (fault_test.sh: a reader that goes away)
    "chatty": lambda: elf(prints("booting\n") + spin(400000) +
                          prints(PASS_LINE + "after\n") + debug_exit(0)),
    # hostile guests (hostile_test.sh)
    "ports-all": lambda: elf(ports_all(1) + prints("\n" + PASS_LINE) +
                             debug_exit(0)),
    "ports-special": lambda: elf(b"".join(ports_range(lo, hi)
                                          for lo, hi in SPECIAL_RANGES) +
                                 prints("\n" + PASS_LINE) + debug_exit(0)),
    "string-io": lambda: elf(string_io()),
    "string-huge-uart": lambda: elf(string_huge(OUTSB, UART)),
    "string-huge-in": lambda: elf(string_huge(INSB, 0x80)),
    "mmio": lambda: elf(mmio()),
    "cpuid-nonsense": lambda: elf(cpuid_nonsense()),
    "boot-structs": lambda: elf(boot_structs()),
}


PORT_SETS = {
    "ports-all": lambda: range(0x10000),
    "ports-special": lambda: [p for lo, hi in SPECIAL_RANGES
                              for p in range(lo, hi)],
}


def main():
    """mkguest.py KIND OUT, or mkguest.py counts KIND: the port counters
    that the ports-* guest KIND must give. string-io:COUNT is the string-io
    guest with COUNT elements per string instruction."""
    if len(sys.argv) == 3 and sys.argv[1] == "counts":
        print(*port_counts(PORT_SETS[sys.argv[2]]()))
        return
    kind, _, count = sys.argv[1].partition(":") if len(sys.argv) == 3 else ("", "", "")
    if kind not in GUESTS or (count and kind != "string-io"):
        sys.exit("usage: mkguest.py {%s} OUT (string-io:COUNT: COUNT "
                 "elements, 1 to 2^20)" % ",".join(sorted(GUESTS)))
    if count and not 1 <= int(count) <= 1 << 20:
        sys.exit("mkguest.py: string-io:COUNT: COUNT %s is outside 1..2^20" % count)
    with open(sys.argv[2], "wb") as f:
        f.write(elf(string_io(int(count))) if count else GUESTS[kind]())


if __name__ == "__main__":
    main()
