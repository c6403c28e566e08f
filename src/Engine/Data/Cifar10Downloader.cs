using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Stitching.Engine.Data;

/// <summary>
/// Fetches the CIFAR-10 binary version into a folder, all or nothing: the archive goes to a temporary file, is checked
/// against its published MD5, unpacked into a staging folder next to the target and only then moved into place,
/// so an interrupted or corrupt download never leaves files the loader would half-trust.
/// </summary>
public static class Cifar10Downloader
{
    public const string Url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

    /// <summary>Published on https://www.cs.toronto.edu/~kriz/cifar.html.</summary>
    public const string Md5 = "c32a1d4ab5d03f1434e3d5acd1cc5f68";

    // One client for the process (sockets are pooled per client). The archive is ~170 MB: the default 100 s is too short
    // on a slow link; the caller's token cancels sooner.
    private static readonly HttpClient SharedClient = new() { Timeout = TimeSpan.FromMinutes(30) };

    /// <summary>True when every batch file the loader reads is present in <paramref name="folder"/> (or its archive subfolder).</summary>
    public static bool IsInstalled(string folder)
    {
        var dataFolder = Cifar10Loader.DataFolder(folder);
        return Cifar10Loader.TrainFiles.Concat(Cifar10Loader.TestFiles).All(name => File.Exists(Path.Combine(dataFolder, name)));
    }

    /// <summary>Downloads, verifies and unpacks CIFAR-10 into <paramref name="folder"/>; does nothing if it is already there.</summary>
    /// <exception cref="DatasetException">Offline, HTTP error, MD5 mismatch or a malformed archive.</exception>
    public static Task DownloadAsync(string folder, CancellationToken cancellationToken = default) =>
        DownloadAsync(SharedClient, folder, cancellationToken);

    /// <inheritdoc cref="DownloadAsync(string, CancellationToken)"/>
    public static async Task DownloadAsync(HttpClient httpClient, string folder, CancellationToken cancellationToken = default)
    {
        folder = Path.GetFullPath(folder);
        if (IsInstalled(folder)) return;

        var archive = SiblingTempPath(folder, "download");
        try
        {
            try
            {
                using var response = await httpClient.GetAsync(Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                response.EnsureSuccessStatusCode();
                await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
                await using var target = File.Create(archive);
                await source.CopyToAsync(target, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new DatasetException(
                    $"Could not download {Url} ({e.Message}); this machine may be offline. " + Cifar10Loader.Remedy(folder)
                    + " On another machine, fetch the archive and copy the unpacked binary-version files.", e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new DatasetException($"Download of {Url} timed out. " + Cifar10Loader.Remedy(folder), e);
            }
            InstallArchive(archive, folder);
        }
        finally
        {
            File.Delete(archive);
        }
    }

    /// <summary>
    /// Checks <paramref name="archivePath"/> against <paramref name="expectedMd5"/>, then unpacks it so the batch files end up
    /// directly in <paramref name="folder"/>. On any failure nothing is added to <paramref name="folder"/>.
    /// </summary>
    /// <exception cref="DatasetException">MD5 mismatch, not a tar.gz, or batch files missing from the archive.</exception>
    public static void InstallArchive(string archivePath, string folder, string expectedMd5 = Md5)
    {
        folder = Path.GetFullPath(folder);
        var remedy = Cifar10Loader.Remedy(folder);
        var actualMd5 = FileMd5(archivePath);
        if (!string.Equals(actualMd5, expectedMd5, StringComparison.OrdinalIgnoreCase))
            throw new DatasetException(archivePath, $"MD5 {expectedMd5}", $"MD5 {actualMd5} (corrupt or wrong download)", remedy);

        var staging = SiblingTempPath(folder, "staging");
        try
        {
            Directory.CreateDirectory(staging);
            try
            {
                using var file = File.OpenRead(archivePath);
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: false);
            }
            catch (InvalidDataException e)
            {
                throw new DatasetException(archivePath, "a tar.gz archive", $"unreadable data ({e.Message})", remedy, e);
            }

            var unpacked = Directory.Exists(Path.Combine(staging, Cifar10Loader.ArchiveSubfolder))
                ? Path.Combine(staging, Cifar10Loader.ArchiveSubfolder)
                : staging;
            if (!IsInstalled(unpacked))
                throw new DatasetException(archivePath, $"an archive holding {string.Join(", ", Cifar10Loader.TrainFiles.Concat(Cifar10Loader.TestFiles))}",
                    "some of them missing", remedy);

            if (!Directory.Exists(folder))
            {
                Directory.Move(unpacked, folder); // one rename: the folder appears complete or not at all
                return;
            }
            // The folder already exists (perhaps empty): move file by file, batch files last, so the loader
            // (which looks for test_batch.bin) never sees a partial set.
            var files = Directory.GetFiles(unpacked).OrderBy(f => f.EndsWith(".bin", StringComparison.Ordinal)).ThenBy(f => f, StringComparer.Ordinal);
            foreach (var source in files)
                File.Move(source, Path.Combine(folder, Path.GetFileName(source)), overwrite: true);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    public static string FileMd5(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }

    // Next to the target, so the final move is a rename on the same file system.
    private static string SiblingTempPath(string folder, string purpose)
    {
        var parent = Path.GetDirectoryName(folder) ?? throw new ArgumentException($"{folder} has no parent folder.", nameof(folder));
        Directory.CreateDirectory(parent);
        return Path.Combine(parent, $".{Path.GetFileName(folder)}.{purpose}-{Guid.NewGuid():N}");
    }
}
