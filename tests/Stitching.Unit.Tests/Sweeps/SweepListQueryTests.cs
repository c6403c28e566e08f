using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Unit.Tests.Sweeps;

public class SweepListQueryTests
{
    [Fact]
    public void Parameters_are_read_as_the_api_documents_them()
    {
        var (query, errors) = SweepListQuery.Parse(["a", "B"], "planning", "2026-11-30", "25", null);

        Assert.Empty(errors);
        Assert.Equal(["a", "B"], query!.Tags);
        Assert.Equal(SweepState.Planning, query.State);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), query.Since);
        Assert.Equal(25, query.PageSize);
        Assert.Null(query.After);
        Assert.Equal(SweepListQuery.DefaultPageSize, SweepListQuery.Parse([], "", "", "", "").Query!.PageSize);
    }

    [Fact]
    public void Each_bad_parameter_is_named_at_once()
    {
        var (query, errors) = SweepListQuery.Parse(["a b"], "finished", "30.11.2026", "-1", "nope");

        Assert.Null(query);
        Assert.Equal(["tag", "state", "since", "pageSize", "continuation"], errors.Select(e => e.Field));
        Assert.Contains("Active, Cancelled, Planning", errors[1].Message);
        Assert.Contains("ISO 8601", errors[2].Message);
        Assert.Contains("1..1000", errors[3].Message);
    }

    [Fact]
    public void A_continuation_continues_strictly_after_the_sweep_it_was_made_from()
    {
        var at = new DateTimeOffset(2026, 11, 30, 9, 15, 0, TimeSpan.FromHours(1)).AddTicks(1234);
        SweepRecord Sweep(string id, DateTimeOffset created) => new(id, null, new SweepSpec(), created, SweepState.Active, 1, 1);
        var last = Sweep("m", at);

        var query = SweepListQuery.Parse([], null, null, null, SweepListQuery.Continuation(last)).Query!;

        Assert.Equal((at, "m"), query.After);
        Assert.False(query.Matches(last));
        Assert.False(query.Matches(Sweep("z", at.AddTicks(1)))); // newer: on an earlier page
        Assert.False(query.Matches(Sweep("a", at)));             // same time, earlier id: before it in the order
        Assert.True(query.Matches(Sweep("n", at)));              // same time, later id
        Assert.True(query.Matches(Sweep("a", at.AddTicks(-1)))); // older
    }
}
