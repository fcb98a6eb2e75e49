// Running kernels on the CPU backend in tests: typed host buffers, and a run that
// executes a kernel both as built and after the whole pass pipeline, which
// must agree bit for bit (the passes must not change results).
#pragma once

#include <catch2/catch.hpp>
#include <cstring>
#include <variant>

#include "backend/cpu/Executor.h"
#include "lower/IRParser.h"
#include "lower/IRPrinter.h"
#include "lower/Pipeline.h"
#include "lower/Verifier.h"

namespace hel::cpu::testing {

// Host memory for a pointer argument.
struct Buffer {
  DType dtype;
  int64_t count;
  std::vector<unsigned char> bytes;

  template <class T>
  static Buffer of(const std::vector<T>& values) {
    Buffer buffer{dtypeOf<T>(), static_cast<int64_t>(values.size()),
                  std::vector<unsigned char>(values.size() * sizeof(T))};
    std::memcpy(buffer.bytes.data(), values.data(), buffer.bytes.size());
    return buffer;
  }
  static Buffer zeros(DType dtype, int64_t count) {
    return {dtype, count, std::vector<unsigned char>(itemSize(dtype) * static_cast<size_t>(count))};
  }
  template <class T>
  std::vector<T> values() const {
    REQUIRE(dtypeOf<T>() == dtype);
    std::vector<T> out(static_cast<size_t>(count));
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
  }
};

using Arg = std::variant<Buffer, Argument>;

struct RunResult {
  bool ok;
  std::vector<std::string> errors;  // rendered diagnostics
  std::vector<Arg> args;            // the buffers after the run
  const Buffer& buffer(size_t i) const { return std::get<Buffer>(args.at(i)); }
};

inline RunResult runOnce(const tir::Kernel& kernel, std::vector<Arg> args) {
  RunResult result{true, {}, std::move(args)};
  std::vector<Argument> bound;
  for (Arg& arg : result.args) {
    if (auto* buffer = std::get_if<Buffer>(&arg))
      bound.push_back(Argument::pointer(buffer->bytes.data(), buffer->count, buffer->dtype));
    else bound.push_back(std::get<Argument>(arg));
  }
  DiagnosticEngine diags([&](const Diagnostic& d) { result.errors.push_back(DiagnosticEngine::render(d)); });
  result.ok = execute(kernel, bound, diags);
  return result;
}

// Runs `kernel` as built, and a copy of it (through the text form) after every
// pass; both must succeed or fail alike, and leave the same bytes.
inline RunResult run(const tir::Kernel& kernel, const std::vector<Arg>& args) {
  std::string problem = tir::verify(kernel);
  INFO(problem);
  REQUIRE(problem.empty());
  SourceFile text("optimized.tir", tir::print(kernel));
  DiagnosticEngine diags([](const Diagnostic& d) { FAIL(DiagnosticEngine::render(d)); });
  std::unique_ptr<tir::Module> optimized = tir::parse(text, diags);
  REQUIRE(optimized);
  REQUIRE(tir::runPasses(*optimized) == "");

  RunResult built = runOnce(kernel, args);
  RunResult passed = runOnce(*optimized->kernels[0], args);
  CHECK(built.ok == passed.ok);
  for (size_t i = 0; i < args.size(); ++i)
    if (std::holds_alternative<Buffer>(args[i])) CHECK(built.buffer(i).bytes == passed.buffer(i).bytes);
  return built;
}

}  // namespace hel::cpu::testing
