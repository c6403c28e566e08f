namespace Stitching.Engine.Training;

/// <summary>Linear warm-up to the peak rate, then cosine decay to zero, evaluated per step.</summary>
public static class LearningRateSchedule
{
    public static double Factor(long step, long totalSteps, long warmupSteps)
    {
        if (warmupSteps > 0 && step < warmupSteps) return (step + 1) / (double)warmupSteps;
        var decaySteps = Math.Max(1, totalSteps - warmupSteps);
        var t = Math.Clamp((step - warmupSteps) / (double)decaySteps, 0, 1);
        return 0.5 * (1 + Math.Cos(Math.PI * t));
    }
}
