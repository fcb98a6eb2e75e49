// When `hel tune` counts a candidate's output as the baseline's (and rejects it as wrong
// otherwise). Other block sizes add the terms of a sum in another order, and a float sum's
// rounding error grows with the number and the size of its terms, not with its result: in
// a row sum of 32768 standard normal values (about 180 in size) a row that cancels to 0.01
// can differ by 2e-4 between two orders, far over assert_close's tolerance for 0.01. So
// besides assert_close's per-element test, ten times looser, an output may be off by a
// share of its typical element that grows as the square root of the sums' length:
//
//   |candidate - baseline| <= 10 * (atol + rtol * |baseline|) + rho * sqrt(K) * rms(baseline)
//
// (rtol, atol): assert_close's for the output's dtype (float32: 1.3e-6, 1e-5).
// rho: float32's rtol, 1.3e-6 (about 11 float32 epsilons), for float16, bfloat16 and
//   float32 outputs, whose sums add in float32; float64's, 1e-7, for float64 outputs.
// K: how many terms each output element sums (reductionLength; 1 where none).
// rms: the root mean square of the baseline's finite elements.
//
// A dot whose inputs are rounded in a way that other configs may not repeat adds a
// further error: with dot_precision="tf32" its f32 inputs are rounded to 10 mantissa bits,
// where a candidate may not round them (one that runs as IEEE FMAs) or may round
// differently; and an input the kernel itself computes and rounds to float16 or bfloat16
// (attention's probabilities, p.to(v.dtype)) comes out of sums in another order, and so
// rounds differently, under other block sizes. Each product is then off by up to about u
// of itself, and a dot by about u times the size of its results (the products' errors add
// up as the products do). That size is the output row's (its last dim's) root mean
// square, not the whole output's: in causal attention the first query rows average a few
// values of v and are ten times the size of the last. So such outputs may be off by a
// further
//
//   8 * u * rms(baseline's row),   u = 2^-10 (tf32), 2^-11 (float16), 2^-8 (bfloat16)
//
// eight of those deviations, for the largest of millions of elements (H100, f32 4096^3:
// IEEE against tf32 differ by 4.1 * 2^-10 * rms at most). An output that misses one of K
// terms is off by about rms / sqrt(K), which stays outside it for K up to about 16000.
//
// Two float32 summation orders differ by about 0.3 epsilon * sqrt(K) * rms for sequential
// sums (the worst case; trees do better), so the margin is about tenfold; an output that
// misses a term of its sums, or counts one twice, is still far outside it. Integer and bool
// outputs must be equal.
#pragma once

#include <string>
#include <vector>

#include "runtime/AssertClose.h"
#include "runtime/Tensor.h"

namespace hel {

// The root mean square of a float tensor's finite elements; 0 where it has none, and for
// integer and bool tensors.
double rootMeanSquare(const Tensor& tensor);
// The same of each row along the last dim (a 0-d tensor is one row).
std::vector<double> rowRootMeanSquares(const Tensor& tensor);

// K above, as far as a launch shows it: the larger of the elements it reads per element it
// writes (a row sum: the row's length) and its dots' multiply-adds per element it writes
// (a matmul: its K); at least 1.
double reductionLength(double elementsRead, double elementsWritten, double dotFlops);

// The rule above for the outputs that one baseline tensor's candidates write: the
// baseline's root mean squares are computed once, for every candidate (hel tune compares
// tens of candidates of 67 million elements each with one baseline).
class BaselineTolerance {
 public:
  // `inputRounding`: u above (the largest of the kernel's dots'; 0 where none rounds).
  BaselineTolerance(Tensor baseline, double reductionLength, double inputRounding = 0);
  // What is wrong with `candidate` next to the baseline, as assert_close says it; empty
  // where it passes. Large tensors are compared on several threads, a block of their
  // first dim each (only a failing one again on one thread, for assert_close's message).
  std::string difference(const Tensor& candidate) const;
  const Tensor& baseline() const { return baseline_; }

 private:
  Tensor baseline_;
  CloseOptions options_;
};

// BaselineTolerance(baseline, ...).difference(candidate).
std::string differenceFromBaseline(const Tensor& candidate, const Tensor& baseline, double reductionLength,
                                   double inputRounding = 0);

}  // namespace hel
