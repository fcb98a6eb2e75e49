#include "runtime/CaseFile.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "TestUtil.h"
#include "runtime/AssertClose.h"
#include "runtime/Creation.h"
#include "runtime/Errors.h"
#include "runtime/Npy.h"
#include "runtime/TensorOps.h"

using namespace hel;
using hel::test::make;
using hel::test::TempDir;

namespace {

const std::string kCases = std::string(HEL_SOURCE_DIR) + "/puzzles/data";

void writeText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// The puzzles' specs, written with the host tensor library: each reference case must
// match its expected output with the case's tolerances.
Tensor runSpec(const std::string& name, const std::vector<Tensor>& in) {
  auto add = [](const Operand& a, const Operand& b) { return binary(BinaryOp::Add, a, b); };
  auto mul = [](const Operand& a, const Operand& b) { return binary(BinaryOp::Mul, a, b); };
  auto row = [](const Tensor& t) { return t.unsqueeze(0); };
  auto column = [](const Tensor& t) { return t.unsqueeze(1); };
  if (name.rfind("p01_", 0) == 0) return add(in[0], 10);
  if (name == "p02_outer_add") return add(row(in[0]), column(in[1]));
  if (name.rfind("p03_", 0) == 0) return unary(UnaryOp::Relu, mul(row(in[0]), column(in[1])));
  if (name == "p04_mul_relu_back") {
    // d/dx relu(x * y[:, None]) = (x * y[:, None] > 0) * y[:, None]
    Tensor y = column(in[1]);
    Tensor active = binary(BinaryOp::Gt, mul(in[0], y), 0);
    return mul(mul(in[2], active), y);
  }
  if (name == "p07_long_sum") return reduce(ReduceOp::Sum, in[0], {1});
  if (name == "p08_softmax") return softmax(in[0], 1);
  if (name == "p09_flashatt") {
    Tensor weights = softmax(mul(column(in[0]), row(in[1])), 1);
    return reduce(ReduceOp::Sum, mul(weights, row(in[2])), {1});
  }
  if (name == "p10_conv2d") {
    // The seed's spec, as written: pad, then z[:, i, j] = (k * window).sum(1).sum(1).
    const Tensor &x = in[0], &k = in[1];
    Tensor z = zeros({4, 8, 8});
    Tensor padded = pad(x, {0, 4, 0, 4, 0, 0}, 0.0);
    for (int64_t i = 0; i < 8; ++i) {
      for (int64_t j = 0; j < 8; ++j) {
        Tensor window = padded.index({Slice{}, Slice{i, i + 4, std::nullopt}, Slice{j, j + 4, std::nullopt}});
        Tensor products = mul(k.unsqueeze(0), window);
        z.indexPut({Slice{}, i, j}, reduce(ReduceOp::Sum, reduce(ReduceOp::Sum, products, {1}), {1}));
      }
    }
    return z;
  }
  if (name == "p11_dot") return matmul(in[0], in[1]);
  if (name == "p12_quant_dot") {
    // The seed's spec, with an int32 offset per row.
    const Tensor &scale = in[0], &offset = in[1], &weight = in[2], &activation = in[3];
    auto extract = [&](const Tensor& t) {
      Tensor over = mul(arange(0, 8, 1), 4);
      return binary(BinaryOp::BitwiseAnd,
                    binary(BinaryOp::RShift, t.index({TensorIndex::ellipsis(), TensorIndex::none()}), over), 15);
    };
    Tensor s =
        scale.index({TensorIndex::ellipsis(), TensorIndex::none()}).expand({-1, 8, 8}).contiguous().view({-1, 64});
    Tensor o = extract(offset.view({32, 1}))
                   .index({TensorIndex::ellipsis(), TensorIndex::none()})
                   .expand({-1, 1, 8, 8})
                   .contiguous()
                   .view({-1, 64});
    Tensor w = extract(weight).view({-1, 64});
    return matmul(mul(s, binary(BinaryOp::Sub, w, o)), activation);
  }
  FAIL("no spec for " << name);
  return Tensor();
}

}  // namespace

TEST_CASE("the puzzles' reference cases load and match their specs", "[casefile]") {
  if (!std::filesystem::exists(kCases)) {
    WARN("no reference cases at " << kCases);
    return;
  }
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kCases)) {
    if (!std::filesystem::exists(entry.path() / "case.toml")) continue;
    std::string name = entry.path().filename().string();
    INFO(name);
    ReferenceCase c = ReferenceCase::load(entry.path().string());
    REQUIRE(c.inputs.size() == c.args.size());
    REQUIRE(c.expected.size() == 1);
    CHECK(c.outputs == std::vector<std::string>{"expected.npy"});
    CHECK_FALSE(c.spec.empty());
    REQUIRE(c.rtol.has_value());
    CloseOptions options;
    options.rtol = c.rtol;
    options.atol = c.atol;
    CloseReport report = compareClose(runSpec(name, c.inputs), c.expected[0], options);
    CHECK(report.message == "");
    CHECK(report.ok);
    ++loaded;
  }
  CHECK(loaded >= 10);
}

TEST_CASE("case.toml fields and defaults", "[casefile]") {
  TempDir dir;
  saveNpy(dir / "x.npy", make({1, 2, 3}));
  saveNpy(dir / "n.npy", make({4}, DType::Int32));
  saveNpy(dir / "expected.npy", make({2, 4, 6}));
  writeText(dir / "case.toml", "args = [\"x\", \"n\"]\n");
  ReferenceCase c = ReferenceCase::load(dir.path(), Device::cuda());
  CHECK(c.args == std::vector<std::string>{"x", "n"});
  CHECK(c.outputs == std::vector<std::string>{"expected.npy"});
  CHECK_FALSE(c.rtol);
  CHECK_FALSE(c.atol);
  CHECK(c.spec.empty());
  CHECK(c.inputs[1].dtype() == DType::Int32);
  CHECK(c.inputs[0].device() == Device::cuda());
  CHECK(hel::test::values(c.expected[0]) == std::vector<double>{2, 4, 6});

  saveNpy(dir / "out_0.npy", make({1}));
  saveNpy(dir / "out_1.npy", make({1}, DType::Int64));
  writeText(dir / "case.toml",
            "spec = \"two outputs\"\nargs = [\"x\"]\noutputs = [\"out_0.npy\", \"out_1.npy\"]\nrtol = 0\natol = 1e-3\n"
            "[shapes]\nx = [3]\nout_1 = [1]\n[dtypes]\nx = \"float32\"\nout_1 = \"torch.int64\"\n");
  ReferenceCase two = ReferenceCase::load(dir.path());
  CHECK(two.spec == "two outputs");
  CHECK(two.expected.size() == 2);
  CHECK(two.expected[1].dtype() == DType::Int64);
  CHECK(two.rtol == 0.0);
  CHECK(two.atol == 1e-3);
}

TEST_CASE("a saved case loads back with its inputs copied and its outputs and tolerances", "[casefile]") {
  TempDir from, to;
  saveNpy(from / "x.npy", make({1, 2, 3}));
  ReferenceCase saved;
  saved.spec = "doubled";
  saved.args = {"x"};
  saved.outputs = {"out_0.npy", "out_1.npy"};
  saved.rtol = 1e-4;
  saved.atol = 1e-3;
  saved.expected = {make({2, 4, 6}), make({7}, DType::Int64)};
  saved.save(to / "case", from.path());
  ReferenceCase loaded = ReferenceCase::load(to / "case");
  CHECK(loaded.spec == "doubled");
  CHECK(loaded.args == saved.args);
  CHECK(loaded.outputs == saved.outputs);
  CHECK(loaded.rtol == 1e-4);
  CHECK(loaded.atol == 1e-3);
  CHECK(hel::test::values(loaded.inputs[0]) == std::vector<double>{1, 2, 3});
  CHECK(hel::test::values(loaded.expected[0]) == std::vector<double>{2, 4, 6});
  CHECK(loaded.expected[1].dtype() == DType::Int64);
  CHECK_THROWS_AS(saved.save(to / "case", to / "nowhere"), RuntimeError);
}

TEST_CASE("case.toml errors name the file and the field", "[casefile]") {
  TempDir dir;
  saveNpy(dir / "x.npy", make({1, 2, 3}));
  saveNpy(dir / "expected.npy", make({1, 2, 3}));
  std::string toml = dir / "case.toml";
  auto expectError = [&](const std::string& text, const std::string& message) {
    writeText(toml, text);
    CHECK_THROWS_WITH(ReferenceCase::load(dir.path()), message);
  };
  std::string prefix = "cannot read '" + toml + "': ";
  expectError("spec = \"x\"\n", prefix + "field 'args' is missing");
  expectError("args = \"x\"\n", prefix + "field 'args' must be an array of strings");
  expectError("args = [1]\n", prefix + "field 'args' must be an array of strings");
  expectError("args = [\"x\"]\nrtol = \"tight\"\natol = 0.1\n", prefix + "field 'rtol' must be a number");
  expectError("args = [\"x\"]\nrtol = 0.1\n", prefix + "field 'rtol' is given without 'atol' (give both or neither)");
  expectError("args = [\"x\"]\natoll = 0.1\n",
              prefix + "unknown field 'atoll' (known fields: spec, args, outputs, rtol, atol, shapes, dtypes)");
  expectError("args = [\"x\"]\n[shapes]\ny = [3]\n", prefix + "[shapes] y: no argument or output has this name");
  expectError("args = [\"x\"]\n[shapes]\nx = \"3\"\n", prefix + "[shapes] x must be an array of integers");
  expectError("args = [\"x\"]\n[dtypes]\nx = \"float33\"\n",
              prefix + "[dtypes] x must name a dtype such as \"float32\"");
  expectError("args = [\"x\"]\nshapes = 3\n", prefix + "field 'shapes' must be a table");
  expectError("args = [\"x\", \"x\"]\n", prefix + "'x' names two files (the arguments and output stems must differ)");
  expectError("args = [\"x\"\n", prefix + "line 1, column 13: Error while parsing array: encountered end-of-file");
  expectError("args = [\"x\"]\n[shapes]\nx = [4]\n",
              "'" + (dir / "x.npy") + "' does not match '" + toml + "': [shapes] x = [4], but the file has shape [3]");
  expectError("args = [\"x\"]\n[dtypes]\nexpected = \"float16\"\n",
              "'" + (dir / "expected.npy") + "' does not match '" + toml +
                  "': [dtypes] expected = \"float16\", but the file holds float32");
  expectError("args = [\"x\", \"y\"]\n", "cannot read '" + (dir / "y.npy") + "': No such file or directory");
  std::filesystem::remove(toml);
  CHECK_THROWS_WITH(ReferenceCase::load(dir.path()), prefix + "No such file or directory");
}
