"""The training step of ./mflag bench in native PyTorch, the stack the official M-FLAG code uses.

ResNet-50 in torchvision's layout (stride on the 3x3 convolution, no biases before batch norm) on one grey
channel, M-FLAG's image projector (2048-2048-BN-ReLU-1024-BN), an L2 loss against fixed targets and AdamW,
channels_last, as DJL's side of the comparison (org.mflag.bench.PyTorchStep) does. Written with torch.nn
only, so that no torchvision build has to match the torch one.

With the fifth argument "segment" it times inference instead: the U-Net of org.mflag.nn.UNet on that ResNet-50
(grey replicated to the 3-channel stem as ours is; decoder 256/128/64/32/16, nearest 2x upsampling, skips of stages
3-1 and the stem, 3x3 head, sigmoid; 32,521,105 parameters, as ours) in eval mode
under no_grad, BATCH tiles of SIZE px per call, as ./mflag's tiled segmentation runs them.

With "conv IN OUT" it times one 3x3 convolution alone (IN to OUT channels, stride 1, same padding, no bias,
channels_last, no_grad) on BATCH x SIZE x SIZE inputs, as org.mflag.bench.ConvProbe does in TensorFlow.

usage: python3 pytorch_step.py BATCH SIZE STEPS THREADS [segment | conv IN OUT]; prints one JSON object.
"""
import json
import sys
import time

import torch
from torch import nn


def bottleneck(inp, width, stride):
    main = nn.Sequential(
        nn.Conv2d(inp, width, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
        nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(inplace=True),
        nn.Conv2d(width, width * 4, 1, bias=False), nn.BatchNorm2d(width * 4))
    short = None
    if stride != 1 or inp != width * 4:
        short = nn.Sequential(nn.Conv2d(inp, width * 4, 1, stride=stride, bias=False), nn.BatchNorm2d(width * 4))
    return main, short


class Block(nn.Module):
    def __init__(self, inp, width, stride):
        super().__init__()
        self.main, self.short = bottleneck(inp, width, stride)

    def forward(self, x):
        s = x if self.short is None else self.short(x)
        return torch.relu(self.main(x) + s)


def stem(channels):
    return [nn.Conv2d(channels, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True)]


def stages():
    """ResNet-50's four stages, each an nn.Sequential of bottleneck blocks."""
    out, inp = [], 64
    for stage, blocks in enumerate([3, 4, 6, 3]):
        width = 64 << stage
        layers = []
        for b in range(blocks):
            layers.append(Block(inp, width, 2 if b == 0 and stage > 0 else 1))
            inp = width * 4
        out.append(nn.Sequential(*layers))
    return out


def conv_bn_relu(inp, out):
    return nn.Sequential(nn.Conv2d(inp, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*stem(3))
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.stages = nn.ModuleList(stages())
        blocks, c = [], 2048
        for out, skip in zip([256, 128, 64, 32, 16], [1024, 512, 256, 64, 0]):
            blocks.append(nn.Sequential(conv_bn_relu(c + skip, out), conv_bn_relu(out, out)))
            c = out
        self.decoder = nn.ModuleList(blocks)
        self.head = nn.Conv2d(c, 1, 3, padding=1)

    def forward(self, x):
        features = [self.stem(x.expand(-1, 3, -1, -1))]  # grey replicated to 3 channels, as org.mflag.nn.ResNet does
        x = self.pool(features[0])
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        skips = [features[3], features[2], features[1], features[0], None]
        for block, skip in zip(self.decoder, skips):
            x = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
            if skip is not None:
                x = torch.cat([x, skip], 1)
            x = block(x)
        return torch.sigmoid(self.head(x))


def network():
    layers = stem(1) + [nn.MaxPool2d(3, stride=2, padding=1)] + list(stages())
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(2048, 2048), nn.BatchNorm1d(2048), nn.ReLU(inplace=True),
               nn.Linear(2048, 1024, bias=False), nn.BatchNorm1d(1024, affine=False)]
    return nn.Sequential(*layers)


def median(times):
    times = sorted(times)
    return times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2


def about():
    return {"engine": "PyTorch (native, Python %s)" % sys.version.split()[0],
            "version": torch.__version__,
            "threads": torch.get_num_threads(),
            "onednn": bool(torch.backends.mkldnn.is_available()),
            "cpu_capability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else ""}


def timed(fn, runs, warmups=2):
    """Median seconds of fn() over `runs` calls after `warmups` untimed calls, and each call's time."""
    for _ in range(warmups):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return median(times), times


def conv(batch, size, runs, inp, out):
    layer = nn.Conv2d(inp, out, 3, padding=1, bias=False).to(memory_format=torch.channels_last).eval()
    x = torch.rand(batch, inp, size, size).to(memory_format=torch.channels_last)
    with torch.no_grad():
        seconds, times = timed(lambda: layer(x), runs)
    result = about()
    result.update({"mode": "conv", "batch": batch, "image_size": size, "steps": runs, "call_seconds": seconds, "call_times": times})
    print(json.dumps(result))


def segment(tiles, size, runs):
    """Seconds per call of the U-Net's forward pass on `tiles` tiles (median of `runs`, after two warm-up calls)."""
    net = UNet().to(memory_format=torch.channels_last).eval()
    x = torch.randn(tiles, 1, size, size).to(memory_format=torch.channels_last)
    with torch.no_grad():
        seconds, times = timed(lambda: net(x), runs)
    out = about()
    out.update({"mode": "segment", "batch": tiles, "image_size": size, "steps": runs,
                "parameters": sum(p.numel() for p in net.parameters()), "call_seconds": seconds, "call_times": times})
    print(json.dumps(out))


def main():
    batch, size, steps, threads = (int(a) for a in sys.argv[1:5])
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    if sys.argv[5:] == ["segment"]:
        segment(batch, size, steps)
        return
    if sys.argv[5:6] == ["conv"]:
        conv(batch, size, steps, int(sys.argv[6]), int(sys.argv[7]))
        return
    net = network().to(memory_format=torch.channels_last).train()
    opt = torch.optim.AdamW(net.parameters(), lr=1e-5, weight_decay=0.05)
    x = torch.randn(batch, 1, size, size).to(memory_format=torch.channels_last)
    y = torch.randn(batch, 1024)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = ((net(x) - y) ** 2).sum() / 2
        loss.backward()
        opt.step()
        return loss.item()

    t0 = time.perf_counter()
    step()
    first = time.perf_counter() - t0
    seconds, times = timed(step, steps, warmups=0)  # the first step, timed above, is the warm-up
    out = about()
    out.update({"mode": "train", "batch": batch, "image_size": size, "steps": steps,
                "parameters": sum(p.numel() for p in net.parameters()),
                "first_step_seconds": first, "step_seconds": seconds, "step_times": sorted(times),
                "images_per_second": batch / seconds})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
