using Stitching.Domain.Results;
using Stitching.Reporting.Tables;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Training;

/// <summary>
/// Everything <see cref="TrainingLoop"/> carries from one epoch to the next, and its file: the position (epochs done,
/// step, held-out checks made), the shuffling generator's state, and per member its steps, whether it has stopped, its
/// curve, its best check with the weights kept, its stopping reference, its weights and its optimizer's state. Saved at
/// an epoch's end, it resumes the loop exactly where it was: the same batches, learning rates and decisions follow.
/// </summary>
internal sealed class LoopState(int count) : IDisposable
{
    private const string Magic = "stitching-loop-progress";
    private const int Version = 2; // 2: the decay after the stopping rule fires

    public int EpochsDone;
    public long Step;
    public int Check;
    public int? FirstCheckAfterWarmup;
    public double TrainLoss = double.NaN;
    /// <summary>The weights kept: the lowest held-out loss seen (weights null unless kept).</summary>
    public readonly (HoldoutScore? Score, Dictionary<string, Tensor>? Weights)[] Best = new (HoldoutScore?, Dictionary<string, Tensor>?)[count];
    /// <summary>The stopping rule's reference: the per-example held-out losses at the last significant gain, and the check it came at.</summary>
    public readonly (float[]? Losses, int Check)[] Reference = new (float[]?, int)[count];
    public readonly bool[] Converged = new bool[count];
    /// <summary>Where the stopping rule fired (the step) and the learning rate it fired at, from which the member decays to zero; null: it has not.</summary>
    public readonly (long Step, double Rate)?[] Anneal = new (long, double)?[count];
    public readonly long[] StepsRun = new long[count];
    public readonly List<CurvePoint>[] Curves = Enumerable.Range(0, count).Select(_ => new List<CurvePoint>()).ToArray();
    public readonly List<int> Active = Enumerable.Range(0, count).ToList();

    public void KeepBest(int k, HoldoutScore score, nn.Module? weightsOf)
    {
        DisposeWeights(Best[k].Weights);
        Best[k] = (score, weightsOf is null ? null : weightsOf.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone()));
    }

    /// <summary>Writes the state to <paramref name="path"/> atomically (a temporary file moved over it), under <paramref name="key"/>.</summary>
    public void Save(string path, string key, IReadOnlyList<nn.Module> modules, IReadOnlyList<optim.Optimizer> optimizers, Generator generator)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
        using (var w = new BinaryWriter(stream))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(key);
            w.Write(count);
            w.Write(EpochsDone);
            w.Write(Step);
            w.Write(Check);
            w.Write(FirstCheckAfterWarmup ?? -1);
            w.Write(TrainLoss);
            using (var rng = generator.get_state()) rng.Save(w);
            w.Write(Active.Count);
            foreach (var k in Active) w.Write(k);
            for (var k = 0; k < count; k++)
            {
                w.Write(StepsRun[k]);
                w.Write(Converged[k]);
                w.Write(Anneal[k] is not null);
                if (Anneal[k] is { } anneal)
                {
                    w.Write(anneal.Step);
                    w.Write(anneal.Rate);
                }
                w.Write(Curves[k].Count);
                foreach (var p in Curves[k])
                {
                    w.Write(p.Epoch);
                    w.Write(p.Loss);
                    w.Write(p.Accuracy);
                }
                var (score, weights) = Best[k];
                w.Write(score is not null);
                if (score is not null)
                {
                    w.Write(score.Loss);
                    w.Write(score.Accuracy);
                    WriteFloats(w, score.PerExample);
                }
                w.Write(weights is not null);
                if (weights is not null) WriteWeights(w, weights);
                WriteFloats(w, Reference[k].Losses);
                w.Write(Reference[k].Check);
                WriteWeights(w, modules[k].state_dict());
                Stateful(optimizers[k]).save_state_dict(w);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// The state saved at <paramref name="path"/> under <paramref name="key"/>, loaded into <paramref name="modules"/>,
    /// <paramref name="optimizers"/> and <paramref name="generator"/>; null when there is no file or it was saved
    /// under another key (another run: it is not used).
    /// </summary>
    public static LoopState? TryLoad(string path, string key, IReadOnlyList<nn.Module> modules, IReadOnlyList<optim.Optimizer> optimizers, Generator generator)
    {
        if (!File.Exists(path)) return null;
        using var stream = File.OpenRead(path);
        using var r = new BinaryReader(stream);
        if (r.ReadString() != Magic || r.ReadInt32() != Version)
            throw new InvalidDataException($"{path} is not a training progress file of this version.");
        if (r.ReadString() != key || r.ReadInt32() != modules.Count) return null;
        var state = new LoopState(modules.Count)
        {
            EpochsDone = r.ReadInt32(), Step = r.ReadInt64(), Check = r.ReadInt32(),
        };
        try
        {
            var first = r.ReadInt32();
            state.FirstCheckAfterWarmup = first < 0 ? null : first;
            state.TrainLoss = r.ReadDouble();
            using (var rng = TensorExtensionMethods.Load(r)) generator.set_state(rng);
            state.Active.Clear();
            var active = r.ReadInt32();
            for (var a = 0; a < active; a++) state.Active.Add(r.ReadInt32());
            for (var k = 0; k < modules.Count; k++)
            {
                state.StepsRun[k] = r.ReadInt64();
                state.Converged[k] = r.ReadBoolean();
                if (r.ReadBoolean()) state.Anneal[k] = (r.ReadInt64(), r.ReadDouble());
                var points = r.ReadInt32();
                for (var p = 0; p < points; p++) state.Curves[k].Add(new CurvePoint(r.ReadDouble(), r.ReadDouble(), r.ReadDouble()));
                HoldoutScore? score = r.ReadBoolean() ? new HoldoutScore(r.ReadDouble(), r.ReadDouble(), ReadFloats(r)) : null;
                Dictionary<string, Tensor>? weights = null;
                if (r.ReadBoolean())
                {
                    weights = modules[k].state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                    ReadWeights(r, weights);
                }
                state.Best[k] = (score, weights);
                state.Reference[k] = (ReadFloats(r), r.ReadInt32());
                ReadWeights(r, modules[k].state_dict());
                Stateful(optimizers[k]).load_state_dict(r);
            }
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>TorchSharp's managed optimizers (Adam, SGD, ...) derive from OptimizerHelper, which reads and writes their state.</summary>
    private static TorchSharp.Modules.OptimizerHelper Stateful(optim.Optimizer optimizer) =>
        optimizer as TorchSharp.Modules.OptimizerHelper
        ?? throw new NotSupportedException($"{optimizer.GetType().Name} cannot save its state, so its training cannot be resumed.");

    private static void WriteWeights(BinaryWriter w, IDictionary<string, Tensor> weights)
    {
        w.Write(weights.Count);
        foreach (var (name, t) in weights)
        {
            w.Write(name);
            t.Save(w);
        }
    }

    private static void ReadWeights(BinaryReader r, IDictionary<string, Tensor> into)
    {
        var n = r.ReadInt32();
        if (n != into.Count) throw new InvalidDataException($"The progress file holds {n} tensors of a module that has {into.Count}.");
        for (var i = 0; i < n; i++)
        {
            var name = r.ReadString();
            if (!into.TryGetValue(name, out var t)) throw new InvalidDataException($"The progress file holds a tensor '{name}' the module does not have.");
            t.Load(r);
        }
    }

    private static void WriteFloats(BinaryWriter w, float[]? values)
    {
        w.Write(values?.Length ?? -1);
        if (values is null) return;
        foreach (var v in values) w.Write(v);
    }

    private static float[]? ReadFloats(BinaryReader r)
    {
        var n = r.ReadInt32();
        if (n < 0) return null;
        var values = new float[n];
        for (var i = 0; i < n; i++) values[i] = r.ReadSingle();
        return values;
    }

    private static void DisposeWeights(Dictionary<string, Tensor>? weights)
    {
        if (weights is null) return;
        foreach (var t in weights.Values) t.Dispose();
    }

    public void Dispose()
    {
        foreach (var (_, weights) in Best) DisposeWeights(weights);
    }
}
