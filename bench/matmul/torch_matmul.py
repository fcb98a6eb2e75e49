# PyTorch's (cuBLAS's) matmul at the sizes given (m x n x k), timed as hel bench
# times kernels (triton.testing.do_bench: CUDA events, median), for the ratios
# in bench/matmul/run.sh. DTYPES (default "f16 bf16") picks the inputs: f16,
# bf16, f32 (TF32 off, IEEE), tf32 (f32 inputs, TF32 on) and tf32x3 (the same as
# f32: what hel's tf32x3 kernels are as exact as). Python is used here only, as
# the reference.
import os
import sys

import torch
import triton.testing

dtypes = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32, "tf32": torch.float32, "tf32x3": torch.float32}
for size in sys.argv[1:]:
    m, n, k = (int(v) for v in size.split("x"))
    for name in os.environ.get("DTYPES", "f16 bf16").split():
        torch.backends.cuda.matmul.allow_tf32 = name == "tf32"
        x = torch.randn(m, k, device="cuda", dtype=dtypes[name])
        y = torch.randn(k, n, device="cuda", dtype=dtypes[name])
        ms = triton.testing.do_bench(lambda: torch.matmul(x, y))
        print(f"torch {name:5s} {size:16s} {ms:.4f} ms {2 * m * n * k / ms / 1e9:.1f} TFLOP/s")
