using System.Buffers.Binary;
using System.Text;

namespace Stitching.Engine.Native;

/// <summary>
/// Marks one version requirement of an ELF64 shared object as weak (VER_FLG_WEAK in .gnu.version_r),
/// so the dynamic loader only warns when the library that should provide it is older.
/// </summary>
/// <remarks>
/// TorchSharp 0.107.0's libLibTorchSharp.so was linked with GCC 13, whose &lt;iostream&gt; references
/// std::ios_base_library_init()@GLIBCXX_3.4.32 as a marker and never calls it. Debian 12 and
/// Ubuntu 22.04 ship an older libstdc++, so without this the library does not load at all.
/// Format: System V gABI, "Symbol Versioning" (Elf64_Verneed / Elf64_Vernaux).
/// </remarks>
public static class ElfVersionPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>Returns the version requirements as (file, version, weak) triples.</summary>
    public static IReadOnlyList<(string File, string Version, bool Weak)> ReadRequirements(byte[] elf)
    {
        var list = new List<(string, string, bool)>();
        Walk(elf, (file, version, flagsOffset) =>
            list.Add((file, version, (BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(flagsOffset)) & VerFlagWeak) != 0)));
        return list;
    }

    /// <summary>Sets the weak flag on <paramref name="version"/> in the file's requirements. Returns true if the bytes changed.</summary>
    public static bool MakeWeak(byte[] elf, string version)
    {
        var changed = false;
        Walk(elf, (_, v, flagsOffset) =>
        {
            if (v != version) return;
            var span = elf.AsSpan(flagsOffset, 2);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(span);
            if ((flags & VerFlagWeak) != 0) return;
            BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(flags | VerFlagWeak));
            changed = true;
        });
        return changed;
    }

    private static void Walk(byte[] elf, Action<string, string, int> visit)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("Only little-endian ELF64 files are supported.");

        var span = elf.AsSpan();
        var shoff = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]));
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);

        for (var s = 0; s < shnum; s++)
        {
            var sh = span.Slice(shoff + s * shentsize, shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed) continue;

            var offset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]));
            var link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            var entries = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2C..]);
            var strSh = span.Slice(shoff + link * shentsize, shentsize);
            var strOffset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x18..]));

            var need = offset;
            for (var e = 0; e < entries; e++)
            {
                int count = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                var file = ReadString(elf, strOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 4)..]));
                var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
                for (var a = 0; a < count; a++)
                {
                    var name = ReadString(elf, strOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]));
                    visit(file, name, aux + 4);
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
                }
                need += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
            }
        }
    }

    private static string ReadString(byte[] elf, int offset)
    {
        var end = Array.IndexOf(elf, (byte)0, offset);
        return Encoding.ASCII.GetString(elf, offset, end - offset);
    }
}
