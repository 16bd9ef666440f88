"""The training step of ./mflag bench in native PyTorch, the stack the official M-FLAG code uses.

ResNet-50 in torchvision's layout (stride on the 3x3 convolution, no biases before batch norm) on one grey
channel, M-FLAG's image projector (2048-2048-BN-ReLU-1024-BN), an L2 loss against fixed targets and AdamW,
channels_last, as DJL's side of the comparison (org.mflag.bench.PyTorchStep) does. Written with torch.nn
only, so that no torchvision build has to match the torch one.

usage: python3 pytorch_step.py BATCH SIZE STEPS THREADS; prints one JSON object.
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


def network():
    layers = [nn.Conv2d(1, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, stride=2, padding=1)]
    inp = 64
    for stage, blocks in enumerate([3, 4, 6, 3]):
        width = 64 << stage
        for b in range(blocks):
            layers.append(Block(inp, width, 2 if b == 0 and stage > 0 else 1))
            inp = width * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(2048, 2048), nn.BatchNorm1d(2048), nn.ReLU(inplace=True),
               nn.Linear(2048, 1024, bias=False), nn.BatchNorm1d(1024, affine=False)]
    return nn.Sequential(*layers)


def main():
    batch, size, steps, threads = (int(a) for a in sys.argv[1:5])
    torch.set_num_threads(threads)
    torch.manual_seed(42)
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
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    median = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
    print(json.dumps({
        "engine": "PyTorch (native, Python %s)" % sys.version.split()[0],
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "onednn": bool(torch.backends.mkldnn.is_available()),
        "cpu_capability": torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else "",
        "batch": batch, "image_size": size, "steps": steps,
        "parameters": sum(p.numel() for p in net.parameters()),
        "first_step_seconds": first, "step_seconds": median, "step_times": times,
        "images_per_second": batch / median}))


if __name__ == "__main__":
    main()
