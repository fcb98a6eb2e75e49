// When hel tune counts a candidate's output as the baseline's (runtime/BaselineTolerance.h).
#include <cmath>
#include <cstring>
#include <algorithm>
#include <random>

#include "TestUtil.h"
#include "runtime/AssertClose.h"
#include "runtime/BaselineTolerance.h"

using namespace hel;
using hel::test::make;

namespace {

// Row sums of `rows` x `length` standard normal values in float32, added one by one (as
// the baseline) and in chunks of `chunk` whose sums are then added (as a candidate with
// another block size); `skip`: a row whose first term the candidate leaves out (a bug).
struct RowSums {
  std::vector<double> baseline, candidate;
};

RowSums rowSums(int rows, int length, int chunk, int skip = -1) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal;
  RowSums sums;
  for (int row = 0; row < rows; ++row) {
    float sequential = 0, chunked = 0, part = 0;
    for (int i = 0; i < length; ++i) {
      float x = normal(rng);
      sequential += x;
      if (!(row == skip && i == 0)) part += x;
      if ((i + 1) % chunk == 0) chunked += part, part = 0;
    }
    sums.baseline.push_back(sequential);
    sums.candidate.push_back(chunked + part);
  }
  return sums;
}

// Dot products of `rows` pairs of `length` standard normal vectors: with the inputs
// truncated to tf32 (10 mantissa bits, as tf32 wgmma reads them; the baseline) and exact
// (a candidate on IEEE FMAs); `skip`: a row whose first product the candidate leaves out.
RowSums dots(int rows, int length, int skip = -1) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal;
  auto tf32 = [](float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, 4);
    bits &= ~uint32_t{0x1FFF};
    std::memcpy(&value, &bits, 4);
    return value;
  };
  RowSums sums;
  for (int row = 0; row < rows; ++row) {
    float rounded = 0, exact = 0;
    for (int i = 0; i < length; ++i) {
      float x = normal(rng), y = normal(rng);
      rounded += tf32(x) * tf32(y);
      if (!(row == skip && i == 0)) exact += x * y;
    }
    sums.baseline.push_back(rounded);
    sums.candidate.push_back(exact);
  }
  return sums;
}

// Causal attention's output rows, `dim` wide, over `rows` query rows (row r averages the
// first r + 1 rows of v under a softmax of standard normal scores) in float16: the
// probabilities exp(score - max) rounded to float16 for the second dot, as attention's
// p.to(v.dtype), with the max shifted by `shift` (another block size's running max);
// `skip`: a row whose first key the candidate leaves out (a bug).
RowSums causalAttention(int rows, int dim, float shift, int skip = -1) {
  std::mt19937 rng(13);
  std::normal_distribution<float> normal;
  std::vector<float> v(static_cast<size_t>(rows * dim)), scores(static_cast<size_t>(rows * rows));
  for (float& x : v) x = normal(rng);
  for (float& x : scores) x = normal(rng);
  RowSums sums;
  for (int row = 0; row < rows; ++row) {
    const float* score = &scores[static_cast<size_t>(row * rows)];
    float max = *std::max_element(score, score + row + 1);
    for (int column = 0; column < dim; ++column) {
      float baseline = 0, candidate = 0, baselineSum = 0, candidateSum = 0;
      for (int key = 0; key <= row; ++key) {
        float p = std::exp(score[key] - max), q = std::exp(score[key] - max - shift);
        float value = v[static_cast<size_t>(key * dim + column)];
        baseline += static_cast<float>(Half(p)) * value, baselineSum += p;
        if (row == skip && key == 0) continue;
        candidate += static_cast<float>(Half(q)) * value, candidateSum += q;
      }
      sums.baseline.push_back(static_cast<float>(Half(baseline / baselineSum)));
      sums.candidate.push_back(static_cast<float>(Half(candidate / candidateSum)));
    }
  }
  return sums;
}

}  // namespace

TEST_CASE("attention: probabilities rounded to f16 as other block sizes round them pass, row by row; a missing key does not") {
  const int rows = 512, dim = 64;
  const double f16 = std::ldexp(1.0, -11);
  const double length = 2.0 * rows;  // both dots' multiply-adds per output element, at most
  RowSums sums = causalAttention(rows, dim, 0.37f);
  Tensor baseline = make(sums.baseline, {rows, dim}, DType::Float16);
  Tensor candidate = make(sums.candidate, {rows, dim}, DType::Float16);
  CHECK(differenceFromBaseline(candidate, baseline, length) != "");
  CHECK(differenceFromBaseline(candidate, baseline, length, f16) == "");
  RowSums wrong = causalAttention(rows, dim, 0.37f, /*skip=*/300);
  std::string message = differenceFromBaseline(make(wrong.candidate, {rows, dim}, DType::Float16),
                                               make(wrong.baseline, {rows, dim}, DType::Float16), length, f16);
  CHECK(message.find("Mismatched elements") != std::string::npos);
}

TEST_CASE("assert_close's atol may grow row by row (CloseOptions::rowAtol)") {
  Tensor expected = make({1, 1, 1, 1}, {2, 2});
  Tensor actual = make({1.05, 1, 1.5, 1}, {2, 2});
  CloseOptions options;
  options.rtol = 0;
  options.atol = 0.1;
  options.rowAtol = {0, 0.5};
  CHECK(compareClose(actual, expected, options).ok);
  options.rowAtol = {0.5, 0};
  CloseReport report = compareClose(actual, expected, options);
  CHECK_FALSE(report.ok);
  CHECK(report.message.find("Greatest absolute difference: 0.5 at index (1, 0) (up to 0.1 allowed)") != std::string::npos);
}

TEST_CASE("tf32 dots: IEEE candidates pass with the inputs' rounding allowed; a missing product does not") {
  const int rows = 4096, length = 4096;
  const double tf32 = std::ldexp(1.0, -10);
  RowSums sums = dots(rows, length);
  CHECK(differenceFromBaseline(make(sums.candidate), make(sums.baseline), length) != "");
  CHECK(differenceFromBaseline(make(sums.candidate), make(sums.baseline), length, tf32) == "");
  RowSums wrong = dots(rows, length, /*skip=*/5);
  std::string message = differenceFromBaseline(make(wrong.candidate), make(wrong.baseline), length, tf32);
  CHECK(message.find("Mismatched elements: 1 / 4096") != std::string::npos);
}

TEST_CASE("rootMeanSquare skips what is not finite and is 0 for integers") {
  CHECK(rootMeanSquare(make({3, -4})) == Approx(std::sqrt(12.5)));
  CHECK(rootMeanSquare(make({3, -4, INFINITY, NAN})) == Approx(std::sqrt(12.5)));
  CHECK(rootMeanSquare(make({NAN})) == 0);
  CHECK(rootMeanSquare(make({3, 4}, DType::Int32)) == 0);
}

TEST_CASE("reductionLength: elements read, or a dot's multiply-adds, per element written") {
  CHECK(reductionLength(4096.0 * 32768, 4096, 0) == 32768);              // a row sum
  CHECK(reductionLength(2.0 * 1024 * 1024, 1024 * 1024, 2.0 * 1024 * 1024 * 1024) == 1024);  // a matmul
  CHECK(reductionLength(16384, 16384.0 * 16384, 0) == 1);                // an outer add
  CHECK(reductionLength(0, 0, 0) == 1);
}

TEST_CASE("long float32 sums in another order pass; a missing term does not") {
  const int rows = 256, length = 32768;
  RowSums sums = rowSums(rows, length, 4096);
  Tensor baseline = make(sums.baseline), candidate = make(sums.candidate);
  // Ten times assert_close's tolerance, element by element, rejects the rows that cancel.
  CloseOptions elementwise;
  elementwise.rtol = 1.3e-5;
  elementwise.atol = 1e-4;
  CHECK_FALSE(compareClose(candidate, baseline, elementwise).ok);
  CHECK(differenceFromBaseline(candidate, baseline, length) == "");

  RowSums wrong = rowSums(rows, length, 4096, /*skip=*/17);
  std::string message = differenceFromBaseline(make(wrong.candidate), make(wrong.baseline), length);
  CHECK(message.find("Mismatched elements: 1 / 256") != std::string::npos);
}

TEST_CASE("short outputs keep ten times assert_close's tolerance; integers must be equal") {
  CHECK(differenceFromBaseline(make({1.0, 2.0}), make({1.0 + 1e-5, 2.0}), 1) == "");
  CHECK(differenceFromBaseline(make({1.0, 2.0}), make({1.001, 2.0}), 1) != "");
  CHECK(differenceFromBaseline(make({1, 2}, DType::Int32), make({1, 3}, DType::Int32), 1000) != "");
}

TEST_CASE("large outputs are compared a block of rows a thread, with each row's own allowance") {
  // 64 x 256 x 256 (4 million elements: several blocks of the first dim). Each row of
  // the last dim is allowed 8 u of its rms more than the rest: rows of 1 in the first
  // half, rows of 1000 in the second, so only the second half may be off by 0.5.
  const int64_t first = 64, middle = 256, last = 256;
  std::vector<double> baseline(static_cast<size_t>(first * middle * last));
  for (size_t i = 0; i < baseline.size(); ++i) baseline[i] = i < baseline.size() / 2 ? 1.0 : 1000.0;
  std::vector<double> candidate = baseline;
  size_t late = baseline.size() - 1000, early = 1000;
  candidate[late] += 0.5;
  const double f16 = std::ldexp(1.0, -11);  // 8 u rms: 0.004 for rows of 1, 3.9 for rows of 1000
  BaselineTolerance tolerance(make(baseline, {first, middle, last}, DType::Float32), 1, f16);
  CHECK(tolerance.difference(make(candidate, {first, middle, last}, DType::Float32)) == "");
  // One element off in the first half: the message is assert_close's over the whole tensor.
  candidate[early] += 0.5;
  std::string message = tolerance.difference(make(candidate, {first, middle, last}, DType::Float32));
  CHECK(message.find("Mismatched elements: 1 / 4194304 (0.0%)") != std::string::npos);
  CHECK(message.find("at index (0, 3, 232)") != std::string::npos);
}
