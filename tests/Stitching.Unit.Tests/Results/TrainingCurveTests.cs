using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public sealed class TrainingCurveTests
{
    [Fact]
    public void A_long_curve_is_thinned_evenly_keeping_the_initialization_and_where_training_stopped()
    {
        var curve = Enumerable.Range(0, 121).Select(i => new CurvePoint(i / 4.0, 1.0 / (i + 1), i / 120.0)).ToList();

        var thin = TrainingCurve.Thin(curve)!;

        Assert.Equal(TrainingCurve.MaxPoints, thin.Count);
        Assert.Equal(0, thin[0].Epoch);
        Assert.Equal(30, thin[^1].Epoch);
        Assert.True(thin.Zip(thin.Skip(1)).All(p => p.Second.Epoch > p.First.Epoch), "points stay in order, none repeated");
    }

    [Fact]
    public void A_short_curve_keeps_every_point_rounded_and_no_curve_stays_null()
    {
        var thin = TrainingCurve.Thin([new CurvePoint(0, 2.302585093, 0.1), new CurvePoint(0.25, 1.23456789, 0.512345)])!;

        Assert.Equal([new CurvePoint(0, 2.3026, 0.1), new CurvePoint(0.25, 1.2346, 0.5123)], thin);
        Assert.Null(TrainingCurve.Thin(null));
        Assert.Null(TrainingCurve.Thin([]));
    }
}
