#include "runtime/Npy.h"

#include <cstring>
#include <fstream>
#include <iterator>

#include "TestUtil.h"
#include "runtime/Creation.h"
#include "runtime/Errors.h"
#include "runtime/Random.h"
#include "runtime/TensorOps.h"

using namespace hel;
using hel::test::make;
using hel::test::TempDir;
using hel::test::values;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A .npy file with the given header text, format version and data bytes.
std::string npy(const std::string& header, const std::string& data, int major = 1) {
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  size_t width = major == 1 ? 2 : 4;
  for (size_t i = 0; i < width; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  return out + header + data;
}

template <class T>
std::string bytesOf(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

}  // namespace

TEST_CASE("npy round trip for every dtype", "[npy]") {
  TempDir dir;
  manualSeed(3);
  Tensor source = binary(BinaryOp::Mul, randn({3, 5}), 50);
  for (DType dtype : {DType::Bool, DType::UInt8, DType::Int8, DType::Int16, DType::Int32, DType::Int64, DType::Float16,
                      DType::BFloat16, DType::Float32, DType::Float64}) {
    INFO(dtypeName(dtype));
    Tensor x = source.to(dtype);
    std::string path = dir / (std::string(dtypeShortName(dtype)) + ".npy");
    saveNpy(path, x);
    Tensor back = loadNpy(path);
    CHECK(back.dtype() == dtype);
    CHECK(back.shape() == x.shape());
    CHECK(values(back) == values(x));
    CHECK((readFile(path).size() - 15 * itemSize(dtype)) % 64 == 0);  // the data starts 64-byte aligned
  }
  // Non-contiguous tensors are written in C order; 0-dim and empty tensors work.
  Tensor t = source.t();
  saveNpy(dir / "t.npy", t);
  CHECK(values(loadNpy(dir / "t.npy")) == values(t));
  saveNpy(dir / "scalar.npy", full({}, 2.5, DType::Float64));
  Tensor scalar = loadNpy(dir / "scalar.npy");
  CHECK(scalar.dim() == 0);
  CHECK(scalar.item().toDouble() == 2.5);
  saveNpy(dir / "empty.npy", zeros({0, 4}));
  CHECK(loadNpy(dir / "empty.npy").shape() == Shape{0, 4});
  CHECK(loadNpy(dir / "empty.npy", Device::cuda()).device() == Device::cuda());
}

TEST_CASE("npy files are written as NumPy writes them", "[npy]") {
  TempDir dir;
  Tensor x = arange(0, 4, 1, DType::Float32);
  saveNpy(dir / "x.npy", x);
  std::string bytes = readFile(dir / "x.npy");
  REQUIRE(bytes.size() == 128 + 16);
  CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  CHECK(bytes[8] == 118);
  CHECK(bytes.substr(10, 57) == "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }");
  CHECK(bytes[127] == '\n');
  CHECK(bytes.substr(67, 60) == std::string(60, ' '));

  // Byte for byte the reference data NumPy wrote.
  std::string reference = std::string(HEL_SOURCE_DIR) + "/puzzles/data/p10_conv2d/x.npy";
  if (std::ifstream(reference)) {
    saveNpy(dir / "copy.npy", loadNpy(reference));
    CHECK(readFile(dir / "copy.npy") == readFile(reference));
  }
}

TEST_CASE("npy reading: versions, orders, byte orders", "[npy]") {
  TempDir dir;
  // Fortran order: the data is column-major.
  writeFile(dir / "f.npy", npy("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }\n",
                               bytesOf<int32_t>({0, 3, 1, 4, 2, 5})));
  Tensor f = loadNpy(dir / "f.npy");
  CHECK(f.shape() == Shape{2, 3});
  CHECK(f.isContiguous());
  CHECK(values(f) == std::vector<double>{0, 1, 2, 3, 4, 5});
  // Big-endian.
  writeFile(dir / "be.npy", npy("{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }\n",
                                std::string("\x00\x01\x01\x00", 4)));
  CHECK(values(loadNpy(dir / "be.npy")) == std::vector<double>{1, 256});
  // Versions 2.0 and 3.0 have a 4-byte header length; Python 2 wrote 3L.
  writeFile(dir / "v2.npy",
            npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", bytesOf<double>({1.5}), 2));
  CHECK(values(loadNpy(dir / "v2.npy")) == std::vector<double>{1.5});
  writeFile(dir / "v3.npy", npy("{\"descr\": \"<u1\", \"shape\": (3L,), \"fortran_order\": False}", "\x01\x02\x03", 3));
  CHECK(values(loadNpy(dir / "v3.npy")) == std::vector<double>{1, 2, 3});
  // Any nonzero byte is True.
  writeFile(dir / "b.npy",
            npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n", std::string("\x00\x02\x01", 3)));
  CHECK(values(loadNpy(dir / "b.npy")) == std::vector<double>{0, 1, 1});
  // bfloat16 under ml_dtypes' name.
  writeFile(dir / "bf.npy", npy("{'descr': 'bfloat16', 'fortran_order': False, 'shape': (1,), }\n",
                                bytesOf<uint16_t>({0x3FC0})));
  Tensor bf = loadNpy(dir / "bf.npy");
  CHECK(bf.dtype() == DType::BFloat16);
  CHECK(values(bf) == std::vector<double>{1.5});
}

TEST_CASE("npy errors name the file and the problem", "[npy]") {
  TempDir dir;
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (8192,), }\n";
  auto expectError = [&](const std::string& name, const std::string& bytes, const std::string& what) {
    std::string path = dir / name;
    writeFile(path, bytes);
    CHECK_THROWS_WITH(loadNpy(path), "cannot read '" + path + "': " + what);
  };
  expectError("truncated.npy", npy(header, std::string(100, '\0')),
              "file is truncated: expected 32768 bytes of data, found 100");
  expectError("short-header.npy", npy(header, "").substr(0, 40),
              "file is truncated: expected a header of 61 bytes, found 30");
  expectError("tiny.npy", "\x93NUMPY\x01", "file is truncated: expected at least 10 bytes, found 7");
  expectError("empty.npy", "", "file is empty");
  expectError("text.npy", "hello, world", "not a NumPy .npy file (no \\x93NUMPY magic string)");
  expectError("v4.npy", npy(header, "", 4), "unsupported .npy format version 4.0");
  expectError("complex.npy", npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }\n", std::string(8, '\0')),
              "unsupported dtype '<c8' (hel reads |b1, |u1, |i1, <i2, <i4, <i8, <f2, <f4, <f8 and bfloat16)");
  expectError("struct.npy", npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", ""),
              "malformed header: structured arrays (a list as 'descr') are not supported");
  expectError("noshape.npy", npy("{'descr': '<f4', 'fortran_order': False, }\n", ""), "malformed header: no 'shape'");
  expectError("badkey.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", ""),
              "malformed header: unexpected key 'x'");
  expectError("garbage.npy", npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,), }\n", ""),
              "malformed header: expected True or False for 'fortran_order' at offset 34");
  std::string missing = dir / "missing.npy";
  CHECK_THROWS_WITH(loadNpy(missing), "cannot read '" + missing + "': No such file or directory");
  CHECK_THROWS_WITH(saveNpy(dir / "nodir/x.npy", zeros({1})),
                    "cannot write '" + (dir / "nodir/x.npy") + "': No such file or directory");
  CHECK_THROWS_WITH(saveNpy(dir / "m.npy", zeros({1}, DType::Float32, Device::meta())),
                    "cannot write '" + (dir / "m.npy") + "': a meta tensor has no data");
}
