namespace Stitching.Domain.Contracts;

/// <summary>
/// How a base (sender or receiver) network is trained: SGD with Nesterov-free momentum, weight decay,
/// linear warm-up then cosine decay, random crop (and flip where the dataset allows it).
/// </summary>
public sealed record TrainSettings
{
    /// <summary>Epochs of base-model training: 15, the recipe of every committed matrix (the README's first command, the report).</summary>
    public int Epochs { get; init; } = 15;
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak learning rate, reached after <see cref="WarmupEpochs"/>.</summary>
    public double LearningRate { get; init; } = 0.05;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-4;
    public double WarmupEpochs { get; init; } = 1;
    public bool Augment { get; init; } = true;
    /// <summary>
    /// How weights are drawn before training, and for random controls the weights themselves: "kaiming" (torchvision's
    /// ResNet: conv weights Kaiming normal, fan-out, ReLU gain; batch-norm weight 1, bias 0; the linear layer at PyTorch's
    /// default) or "pytorch" (every layer at PyTorch's default init).
    /// </summary>
    public RandomInit RandomInit { get; init; } = RandomInit.Kaiming;
}
