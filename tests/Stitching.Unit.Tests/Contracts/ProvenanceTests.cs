using System.Diagnostics;
using Stitching.Domain.Contracts;

namespace Stitching.Unit.Tests.Contracts;

public sealed class ProvenanceTests : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("stitching-git-").FullName;

    [Fact]
    public void The_commit_of_this_checkout_is_read_from_git()
    {
        // When the provenance's git state is read from where the tests run (inside the repository's checkout)
        var (commit, _) = Provenance.Git();

        // Then it is a full commit id
        Assert.Matches("^[0-9a-f]{40}$", commit);
    }

    [Fact]
    public void The_dirty_flag_is_set_when_tracked_files_differ_from_the_commit()
    {
        // Given a repository with one committed file
        Git("init -q");
        File.WriteAllText(Path.Combine(_repo, "a.txt"), "one");
        Git("add a.txt");
        Git("-c user.name=test -c user.email=test@example.com commit -q -m first");
        var clean = Provenance.Git(_repo);
        File.WriteAllText(Path.Combine(_repo, "untracked.txt"), "not part of the build");
        var untracked = Provenance.Git(_repo);

        // When the tracked file changes
        File.WriteAllText(Path.Combine(_repo, "a.txt"), "two");
        var dirty = Provenance.Git(_repo);

        // Then only the change to a tracked file makes the tree dirty, and the commit stays the same
        Assert.False(clean.Dirty);
        Assert.False(untracked.Dirty);
        Assert.True(dirty.Dirty);
        Assert.Equal(clean.Commit, dirty.Commit);
        Assert.Matches("^[0-9a-f]{40}$", clean.Commit);
    }

    [Fact]
    public void Outside_a_checkout_the_commit_is_unknown()
    {
        Assert.Equal(("unknown", false), Provenance.Git(_repo));
    }

    [Fact]
    public void The_id_is_stable_for_the_same_record_and_differs_for_another()
    {
        var a = new Provenance("c", false, "1", "libtorch 2", "cpu", "x", "fp32", ".NET");
        Assert.Equal(a.Id, (a with { }).Id);
        Assert.NotEqual(a.Id, (a with { Dirty = true }).Id);
        Assert.NotEqual(a.Id, (a with { Precision = "bf16" }).Id);
        Assert.Matches("^[0-9a-f]{12}$", a.Id);
    }

    private void Git(string args)
    {
        using var git = Process.Start(new ProcessStartInfo("git", args) { WorkingDirectory = _repo, RedirectStandardOutput = true, RedirectStandardError = true })!;
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {args}: {git.StandardError.ReadToEnd()}");
    }

    public void Dispose() => Directory.Delete(_repo, recursive: true);
}
