#!/usr/bin/env python3
"""The M-FLAG pre-training step in native PyTorch: the reference our TensorFlow step is measured against.

Same network and step as `./mflag pretrain` (docs: ../shared/docs/MFLAG.md): a ResNet-50 in
torchvision's layout with a one-channel stem, the image and text projectors, the alignment plus
orthogonality loss (in fp32), AdamW (lr 2e-5, weight decay 0.05), on random images and cached
(random) 768-d report embeddings. The ResNet-50 is defined here, in torchvision's layout, so that the
script needs only torch (Debian's python3-torch on a CPU machine, the image's torch on a GPU one).

Prints one JSON line: seconds per step, images per second, FLOPs per image (counted by torch when it
can, else the analytic ResNet-50 figure), the achieved FLOP/s and, on a GPU, the peak memory and a
bf16/fp32 8192^3 matrix product measured in the same run as the machine's real peak.

  python3 scripts/pytorch-reference.py --device cuda --batch 512 --precision bf16
  OMP_NUM_THREADS=2 python3 scripts/pytorch-reference.py --device cpu --batch 16 --steps 5
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    """torchvision's v1.5 bottleneck: the stride sits on the 3x3 convolution."""

    def __init__(self, cin, width, stride):
        super().__init__()
        cout = width * 4
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class ResNet50(nn.Module):
    def __init__(self, in_channels=1):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64),
                                  nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1))
        blocks, cin = [], 64
        for width, count, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            for i in range(count):
                blocks.append(Bottleneck(cin, width, stride if i == 0 else 1))
                cin = width * 4
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x):
        return torch.flatten(F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1), 1)


def projector(cin):
    return nn.Sequential(nn.Linear(cin, 2048), nn.BatchNorm1d(2048), nn.ReLU(inplace=True),
                         nn.Linear(2048, 1024), nn.BatchNorm1d(1024, affine=False))


def mflag_loss(img_emb, x, y):
    x, y = F.normalize(x.float(), dim=1), F.normalize(y.float(), dim=1)
    align = (4 - 4 * (x * y).sum(1)).mean()
    e = img_emb.float()
    g = e.t() @ e / e.shape[0]
    diag = torch.diagonal(g)
    orth = (((diag - 1) ** 2).sum() + 0.0051 * ((g ** 2).sum() - (diag ** 2).sum())) / 2
    return align + orth


def matmul_peak(device, dtype, n=8192, reps=10):
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    torch.cuda.synchronize()
    return 2 * n ** 3 * reps / (time.perf_counter() - t)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--precision", choices=("fp32", "bf16", "fp16"), default="fp32")
    a = p.parse_args()
    dev = torch.device(a.device)
    torch.backends.cudnn.benchmark = True
    torch.manual_seed(1)
    encoder, img_proj, txt_proj = ResNet50(), projector(2048), projector(768)
    modules = nn.ModuleList([encoder, img_proj, txt_proj]).to(dev).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(modules.parameters(), lr=2e-5, betas=(0.9, 0.999), weight_decay=0.05)
    amp = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(a.precision)
    scaler = torch.amp.GradScaler(dev.type) if a.precision == "fp16" else None
    images = torch.randn(a.batch, 1, a.size, a.size, device=dev).to(memory_format=torch.channels_last)
    reports = torch.randn(a.batch, 768, device=dev)

    def step():
        with torch.autocast(dev.type, dtype=amp or torch.float32, enabled=amp is not None):
            emb = encoder(images)
            loss = mflag_loss(emb, img_proj(emb), txt_proj(reports))
        opt.zero_grad(set_to_none=True)
        if scaler:
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
        else:
            loss.backward()
            opt.step()
        return loss

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    flops_per_image, counted = 3 * 2 * 4.09e9 * a.size ** 2 / 224 ** 2, False  # fwd + bwd (2x fwd), ResNet-50
    try:
        from torch.utils.flop_counter import FlopCounterMode
        with FlopCounterMode(display=False) as fc:
            step()
        flops_per_image, counted = fc.get_total_flops() / a.batch, True
    except ImportError:
        step()
    for _ in range(a.warmup):
        step()
    sync()
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    sync()
    seconds = (time.perf_counter() - t) / a.steps
    out = {"torch": torch.__version__, "device": a.device, "precision": a.precision, "batch": a.batch,
           "size": a.size, "steps": a.steps, "s_per_step": round(seconds, 4),
           "img_per_s": round(a.batch / seconds, 1), "loss": round(loss.item(), 4),
           "gflop_per_image": round(flops_per_image / 1e9, 2), "flops_counted_by_torch": counted,
           "achieved_tflops": round(flops_per_image * a.batch / seconds / 1e12, 2),
           "threads": torch.get_num_threads()}
    if dev.type == "cuda":
        out["gpu"] = torch.cuda.get_device_name(dev)
        out["peak_memory_gib"] = round(torch.cuda.max_memory_allocated(dev) / 2 ** 30, 2)
        peak = matmul_peak(dev, amp or torch.float32)
        out["matmul_8192_tflops"] = round(peak / 1e12, 1)
        out["fraction_of_measured_peak"] = round(flops_per_image * a.batch / seconds / peak, 3)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
