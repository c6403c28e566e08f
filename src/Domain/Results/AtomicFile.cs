using System.Text;

namespace Stitching.Domain.Results;

/// <summary>
/// Writes a file so readers see either the old or the new content, never half of one: a runner may be
/// killed mid-write while the API or a plot reads the same results.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<TextWriter> write) => Replace(path, temp =>
    {
        using var writer = new StreamWriter(temp, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        write(writer);
    });

    public static void WriteBytes(string path, byte[] bytes) => Replace(path, temp => File.WriteAllBytes(temp, bytes));

    private static void Replace(string path, Action<string> writeTemp)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        // Same directory as the target so File.Move is a rename on one file system, not a copy.
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            writeTemp(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
