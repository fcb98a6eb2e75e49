// Helpers shared by the runtime unit tests.
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/Creation.h"
#include "runtime/Tensor.h"

namespace hel::test {

// A tensor of `dtype` from row-major values.
inline Tensor make(const std::vector<double>& values, const Shape& shape, DType dtype = DType::Float32) {
  std::vector<Scalar> scalars;
  for (double v : values) {
    if (dtype == DType::Bool) scalars.emplace_back(v != 0);
    else if (isFloating(dtype)) scalars.emplace_back(v);
    else scalars.emplace_back(static_cast<int64_t>(v));
  }
  return tensor(scalars, shape, dtype);
}
inline Tensor make(const std::vector<double>& values, DType dtype = DType::Float32) {
  return make(values, {static_cast<int64_t>(values.size())}, dtype);
}

// 0, 1, 2, ... in `shape`, row-major.
inline Tensor iota(const Shape& shape, DType dtype = DType::Float32) {
  return arange(0, numelOf(shape), 1, dtype).view(shape);
}

// Every element as a double, row-major.
inline std::vector<double> values(const Tensor& t) {
  std::vector<double> out;
  for (const Scalar& s : t.toScalars()) out.push_back(s.toDouble());
  return out;
}

// A fresh empty directory under the system's temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hel-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace hel::test
