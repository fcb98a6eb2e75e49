// What `hel bench` reports: one row per device loop specialization that a script
// launched, with its time and what the time means (GB/s, TFLOP/s, the share of the
// device's copy bandwidth), as a table for people and as JSON (README.md, "hel bench").
#pragma once

#include <string>
#include <vector>

#include "runtime/bench/Benchmark.h"
#include "runtime/bench/LaunchCost.h"

namespace hel::bench {

// A tensor a timed kernel takes, under the name of its parameter in the tile IR.
struct TensorArg {
  std::string name;
  std::string dtype;  // "f32"
  std::vector<int64_t> shape;
};

struct Row {
  std::string kernel;  // the @helion.kernel function
  int line = 0;        // of its device loop in the script
  std::vector<TensorArg> tensors;
  std::string config;  // the Config it ran with
  Timing timing;
  LaunchCost cost;
};

// Where the rows were timed.
struct Machine {
  bool gpu = true;            // else the CPU backend, timed with the wall clock
  std::string name;           // the GPU's name
  std::string arch;           // "sm_90"
  std::string driverVersion;  // "13.0"
  double copyBytesPerSecond = 0;     // the device-to-device copy (runtime/cuda/CopyBandwidth.h)
  bool copyFromCache = false;
  double nominalBytesPerSecond = 0;  // memory clock x bus width; 0 where unknown
  // Peak dot FLOP/s for f16/bf16 (tensor cores) and f32 (FMA) operands; 0 where unknown.
  double peakHalfFlops = 0;
  double peakFloatFlops = 0;
};

struct Report {
  std::string helVersion;
  std::string script;
  Machine machine;
  Settings settings;
  std::vector<Row> rows;
};

// Bytes (or FLOPs) in `ms` milliseconds, in GB/s (TFLOP/s): 10^9 bytes (10^12 FLOPs) a second.
double gbPerSecond(double bytes, double ms);
double tflopPerSecond(double flops, double ms);

// "x=f32[8192], out=f32[8192]"
std::string argumentsText(const Row& row);

// A heading that says where and how the rows were timed, then the rows in columns.
std::string formatTable(const Report& report);

// The same as JSON, indented (its schema is in README.md).
std::string toJson(const Report& report);

}  // namespace hel::bench
