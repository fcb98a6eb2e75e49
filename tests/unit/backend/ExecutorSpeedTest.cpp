// Speed of the CPU backend, hidden from the default run: `unit_backend "[perf]"`.
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>

#include "tests/unit/backend/ExecutorTestUtil.h"
#include "tests/unit/lower/SampleKernels.h"

using namespace hel;
using namespace hel::cpu::testing;

namespace {

// Seconds of one run of `kernel` (compiled beforehand) on `args`.
double secondsToRun(const tir::Kernel& kernel, std::vector<Arg> args) {
  cpu::CompiledKernel compiled(kernel);
  std::vector<cpu::Argument> bound;
  for (Arg& arg : args) {
    Buffer& buffer = std::get<Buffer>(arg);
    bound.push_back(cpu::Argument::pointer(buffer.bytes.data(), buffer.count, buffer.dtype));
  }
  DiagnosticEngine diags([](const Diagnostic& d) { FAIL(DiagnosticEngine::render(d)); });
  auto start = std::chrono::steady_clock::now();
  REQUIRE(compiled.run(bound, diags));
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("a 1024^3 f32 matmul with 64 x 64 x 16 tiles runs in seconds", "[.][perf]") {
  const int64_t n = 1024;
  tir::Module module;
  module.kernels.push_back(tir::samples::matmul(n, n, n, 64, 64, 16));
  REQUIRE(tir::runPasses(module) == "");
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f);
  double seconds =
      secondsToRun(*module.kernels[0], {Buffer::of(a), Buffer::of(b), Buffer::zeros(DType::Float32, n * n)});
  std::cout << "matmul 1024^3 (64x64x16 tiles, after the pass pipeline): " << seconds << " s, "
            << 2.0 * n * n * n / seconds / 1e9 << " GFLOP/s\n";
  CHECK(seconds < 5.0);
}

TEST_CASE("puzzle-sized elementwise and reduction kernels run in milliseconds", "[.][perf]") {
  std::vector<float> x(8192, 1.0f);
  double add = secondsToRun(*tir::samples::vectorAdd(8192, 32),
                            {Buffer::of(x), Buffer::of(x), Buffer::zeros(DType::Float32, 8192)});
  std::vector<float> rows(512 * 4096, 1.0f);
  double sum = secondsToRun(*tir::samples::rowReduce(ReduceOp::Sum, 512, 4096, 8, 256),
                            {Buffer::of(rows), Buffer::zeros(DType::Float32, 512)});
  std::cout << "vector add 8192: " << add * 1e3 << " ms; row sum 512 x 4096: " << sum * 1e3 << " ms\n";
  CHECK(add < 0.01);
}
