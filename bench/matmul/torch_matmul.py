# PyTorch's (cuBLAS's) f16 matmul at the sizes given, timed as hel bench times
# kernels (triton.testing.do_bench: CUDA events, median), for the ratio in
# bench/matmul/run.sh. Python is used here only, as the reference.
import sys

import torch
import triton.testing

for size in sys.argv[1:]:
    m, n, k = (int(v) for v in size.split("x"))
    for dtype in (torch.float16, torch.bfloat16):
        x = torch.randn(m, k, device="cuda", dtype=dtype)
        y = torch.randn(k, n, device="cuda", dtype=dtype)
        ms = triton.testing.do_bench(lambda: torch.matmul(x, y))
        print(f"torch {str(dtype):15s} {size:16s} {ms:.4f} ms {2 * m * n * k / ms / 1e9:.1f} TFLOP/s")
