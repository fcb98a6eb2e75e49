"""PyTorch eager references for bench/membound (run by run.sh on the GPU machine).

For each case: the same computation as bench/membound/<case>.hel at the same sizes, in
PyTorch eager, timed like `hel bench` times kernels (triton.testing.do_bench: CUDA events,
L2 flushed before each run, median); a device-to-device copy (y.copy_(x) of 1 GiB) timed
the same way; then one table beside hel's figures from <out>/<case>.json. GB/s for PyTorch
uses hel's byte count for the case, so the two rates compare the same work.
"""
import argparse
import json
import os

import torch


def do_bench(fn):
    """Median milliseconds of fn, as triton.testing.do_bench (CUDA events, L2 flushed)."""
    try:
        from triton.testing import do_bench as triton_do_bench
        return triton_do_bench(fn, warmup=25, rep=100, return_mode="median")
    except ImportError:
        pass
    cache = torch.empty(256 * 1024 * 1024, dtype=torch.int8, device="cuda")
    fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(5):
        cache.zero_()
        fn()
    end.record()
    torch.cuda.synchronize()
    estimate = max(start.elapsed_time(end) / 5, 1e-6)
    for _ in range(max(1, int(25 / estimate))):
        fn()
    times = []
    for _ in range(max(1, int(100 / estimate))):
        cache.zero_()
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return sorted(times)[len(times) // 2]


def randn(*shape):
    return torch.randn(*shape, device="cuda", dtype=torch.float32)


def flash1d(q, k, v):
    scores = q[:, None] * k[None, :]
    return (v[None, :] * torch.softmax(scores, dim=1)).sum(1)


# Each case: its inputs (the sizes of the .hel script's benchmark call) and the computation.
CASES = {
    "const_add": (lambda: (randn(1 << 26),), lambda x: x + 10.0),
    "outer_add": (lambda: (randn(16384), randn(16384)), lambda x, y: x[None, :] + y[:, None]),
    "outer_mul_relu": (lambda: (randn(16384), randn(16384)), lambda x, y: torch.relu(x[None, :] * y[:, None])),
    "mul_relu_backward": (lambda: (randn(8192, 8192), randn(8192), randn(8192, 8192)),
                          lambda x, y, dz: dz * (x * y[:, None] > 0).to(x.dtype) * y[:, None]),
    "row_sum": (lambda: (randn(4096, 32768),), lambda x: x.sum(1)),
    "softmax": (lambda: (randn(8192, 8192),), lambda x: torch.softmax(x, dim=1)),
    "flash1d": (lambda: (randn(16384), randn(16384), randn(16384)), flash1d),
}


def copy_bandwidth():
    x = torch.empty(1 << 28, dtype=torch.float32, device="cuda")  # 1 GiB
    y = torch.empty_like(x)
    ms = do_bench(lambda: y.copy_(x))
    return 2 * x.numel() * x.element_size() / (ms * 1e-3) / 1e9


def hel_row(out, case):
    """The benchmark-size call's row of hel's JSON: the script's last kernel call."""
    path = os.path.join(out, case + ".json")
    if not os.path.exists(path):
        return None, None
    with open(path) as f:
        report = json.load(f)
    return report, (report["kernels"][-1] if report["kernels"] else None)


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--gpu", default="unknown GPU")
    parser.add_argument("cases", nargs="*", default=list(CASES))
    args = parser.parse_args()

    copy_gbps = copy_bandwidth()
    hel_copy = None
    lines = []
    for case in args.cases:
        make_inputs, fn = CASES[case]
        inputs = make_inputs()
        torch_ms = do_bench(lambda: fn(*inputs))
        del inputs
        report, row = hel_row(args.out, case)
        if report and report["device"].get("copy_gb_per_s"):
            hel_copy = report["device"]["copy_gb_per_s"]
        hel_ms = row["median_ms"] if row else None
        hel_gbps = row["gb_per_s"] if row else None
        torch_gbps = row["bytes"] / (torch_ms * 1e-3) / 1e9 if row else None
        lines.append([case, fmt(hel_ms, ".4f"), fmt(hel_gbps, ".0f"), fmt(torch_ms, ".4f"), fmt(torch_gbps, ".0f"),
                      fmt(copy_gbps, ".0f"), fmt(hel_gbps / copy_gbps if row else None, ".3f"),
                      fmt(torch_ms / hel_ms if row else None, ".2f")])
        torch.cuda.empty_cache()

    print()
    print(f"bench/membound on {args.gpu}: PyTorch {torch.__version__}; copy bandwidth (y.copy_(x), 1 GiB) "
          f"{copy_gbps:.0f} GB/s in this run, {fmt(hel_copy, '.0f')} GB/s as hel measured it (cuMemcpyDtoD)")
    print("times: median ms, CUDA events, L2 flushed before each run; GB/s: hel's byte count for the case "
          "(each tensor read once, each written once)")
    header = ["case", "hel ms", "hel GB/s", "torch ms", "torch GB/s", "copy GB/s", "hel/copy", "speedup"]
    widths = [max(len(str(line[i])) for line in [header] + lines) for i in range(len(header))]
    for line in [header] + lines:
        print("  ".join(str(cell).ljust(w) if i == 0 else str(cell).rjust(w)
                        for i, (cell, w) in enumerate(zip(line, widths))))


if __name__ == "__main__":
    main()
