# PyTorch's scaled_dot_product_attention (f16, [batch, heads, seq, head_dim]) at
# the shapes given, causal and not, timed as hel bench times kernels
# (triton.testing.do_bench: CUDA events, median), for bench/attention/run.sh.
# Python is used here only, as the reference.
import sys

import torch
import torch.nn.functional as F
import triton.testing

for shape in sys.argv[1:]:
    b, h, s, d = (int(v) for v in shape.split("x"))
    q, k, v = (torch.randn(b, h, s, d, device="cuda", dtype=torch.float16) for _ in range(3))
    for causal in (False, True):
        ms = triton.testing.do_bench(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
        # Two matmuls of 2*s*s*d FLOPs per head; causal does half of them.
        flops = 4 * b * h * s * s * d / (2 if causal else 1)
        print(f"torch {'causal' if causal else 'full':6s} {shape:18s} {ms:.4f} ms {flops / ms / 1e9:.1f} TFLOP/s")
