# Triton's own matmul at the sizes given (m x n x k, f16), for setting hel's
# kernels against Triton's at the same tiles: once with pointer loads (Triton
# pipelines them with cp.async, as hel does) and once with TMA tensor
# descriptors where this Triton has them. Timed as hel bench times kernels
# (triton.testing.do_bench). CONFIGS: "BMxBNxBK:warps:stages ...".
# Python and Triton are used here only, as references.
import os
import sys

import torch
import triton
import triton.language as tl
import triton.testing

try:
    from triton.tools.tensor_descriptor import TensorDescriptor
except ImportError:
    TensorDescriptor = None


@triton.jit
def grouped_tile(m, n, BM: tl.constexpr, BN: tl.constexpr, GROUP: tl.constexpr):
    pid = tl.program_id(0)
    tiles_m = tl.cdiv(m, BM)
    tiles_n = tl.cdiv(n, BN)
    in_group = GROUP * tiles_n
    first_m = pid // in_group * GROUP
    group_m = min(tiles_m - first_m, GROUP)
    return first_m + (pid % in_group) % group_m, (pid % in_group) // group_m


@triton.jit
def pointer_matmul(a, b, c, m, n, k, BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr, GROUP: tl.constexpr):
    tile_m, tile_n = grouped_tile(m, n, BM, BN, GROUP)
    rows = tile_m * BM + tl.arange(0, BM)
    cols = tile_n * BN + tl.arange(0, BN)
    ks = tl.arange(0, BK)
    acc = tl.zeros([BM, BN], dtype=tl.float32)
    for k0 in range(0, k, BK):
        x = tl.load(a + rows[:, None] * k + (k0 + ks)[None, :], mask=(rows[:, None] < m) & ((k0 + ks)[None, :] < k), other=0.0)
        y = tl.load(b + (k0 + ks)[:, None] * n + cols[None, :], mask=((k0 + ks)[:, None] < k) & (cols[None, :] < n), other=0.0)
        acc = tl.dot(x, y, acc)
    tl.store(c + rows[:, None] * n + cols[None, :], acc.to(tl.float16), mask=(rows[:, None] < m) & (cols[None, :] < n))


@triton.jit
def descriptor_matmul(a, b, c, m, n, k, BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr, GROUP: tl.constexpr):
    tile_m, tile_n = grouped_tile(m, n, BM, BN, GROUP)
    acc = tl.zeros([BM, BN], dtype=tl.float32)
    for k0 in range(0, k, BK):
        acc = tl.dot(a.load([tile_m * BM, k0]), b.load([k0, tile_n * BN]), acc)
    c.store([tile_m * BM, tile_n * BN], acc.to(tl.float16))


configs = os.environ.get("CONFIGS", "128x256x64:8:3 128x128x64:4:4 256x128x64:8:3").split()
for size in sys.argv[1:]:
    m, n, k = (int(v) for v in size.split("x"))
    x = torch.randn(m, k, device="cuda", dtype=torch.float16)
    y = torch.randn(k, n, device="cuda", dtype=torch.float16)
    out = torch.empty(m, n, device="cuda", dtype=torch.float16)
    expected = torch.matmul(x, y)
    for config in configs:
        tile, warps, stages = config.split(":")
        bm, bn, bk = (int(v) for v in tile.split("x"))
        grid = (triton.cdiv(m, bm) * triton.cdiv(n, bn),)
        meta = dict(BM=bm, BN=bn, BK=bk, GROUP=8, num_warps=int(warps), num_stages=int(stages))
        runs = {"pointers": lambda: pointer_matmul[grid](x, y, out, m, n, k, **meta)}
        if TensorDescriptor is not None:
            descriptors = (TensorDescriptor.from_tensor(x, [bm, bk]), TensorDescriptor.from_tensor(y, [bk, bn]),
                           TensorDescriptor.from_tensor(out, [bm, bn]))
            runs["tma"] = lambda: descriptor_matmul[grid](*descriptors, m, n, k, **meta)
        for name, run in runs.items():
            try:
                run()
                torch.testing.assert_close(out, expected, rtol=2e-2, atol=2e-2)
                ms = triton.testing.do_bench(run)
                print(f"triton {name:8s} f16 {size:16s} {config:16s} {ms:.4f} ms {2 * m * n * k / ms / 1e9:.1f} TFLOP/s")
            except Exception as error:  # a config this Triton cannot run: say so, go on
                print(f"triton {name:8s} f16 {size:16s} {config:16s} failed: {str(error).splitlines()[0][:160]}")
