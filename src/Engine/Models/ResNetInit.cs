using Stitching.Domain.Contracts;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stitching.Engine.Models;

/// <summary>
/// A ResNet's initial weights as <see cref="TrainSettings.RandomInit"/> names them. "kaiming" is torchvision's ResNet
/// (torchvision/models/resnet.py, ResNet.__init__; the seed paper's code uses it): every conv weight
/// Kaiming normal with fan-out and ReLU gain (std = sqrt(2 / (out * k * k))), batch-norm weight 1 and bias 0, the
/// linear layer at PyTorch's default. "pytorch" keeps every module's own default (Kaiming uniform, a = sqrt(5), for convs).
/// </summary>
public static class ResNetInit
{
    public static void Apply(ResNet model, RandomInit init)
    {
        switch (init)
        {
            case RandomInit.Pytorch: return;
            case RandomInit.Kaiming:
                using (no_grad())
                    foreach (var (_, module) in model.named_modules())
                        switch (module)
                        {
                            case Conv2d conv:
                                nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                                break;
                            case BatchNorm2d bn:
                                nn.init.ones_(bn.weight);
                                nn.init.zeros_(bn.bias);
                                break;
                        }
                return;
            default:
                throw new ArgumentException($"Unknown random init '{init}'. Use {WireNames.Allowed<RandomInit>()}.");
        }
    }
}
