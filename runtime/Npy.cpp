#include "runtime/Npy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "runtime/Errors.h"

namespace hel {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// The header is a Python dict literal: {'descr': '<f4', 'fortran_order': False,
// 'shape': (3, 4), }. Parses exactly that: string keys; string, bool and int-tuple values.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  struct Header {
    std::string descr;
    bool fortranOrder = false;
    Shape shape;
  };

  Header parse() {
    Header header;
    bool seenDescr = false, seenOrder = false, seenShape = false;
    expect('{');
    while (!peek('}')) {
      std::string key = string("a key");
      expect(':');
      if (key == "descr") {
        if (peek('[')) throw Malformed("structured arrays (a list as 'descr') are not supported");
        header.descr = string("a string for 'descr'");
        seenDescr = true;
      } else if (key == "fortran_order") {
        header.fortranOrder = boolean();
        seenOrder = true;
      } else if (key == "shape") {
        header.shape = tuple();
        seenShape = true;
      } else {
        throw Malformed("unexpected key '" + key + "'");
      }
      if (!peek('}')) expect(',');
    }
    expect('}');
    if (!seenDescr) throw Malformed("no 'descr'");
    if (!seenOrder) throw Malformed("no 'fortran_order'");
    if (!seenShape) throw Malformed("no 'shape'");
    return header;
  }

  struct Malformed : std::runtime_error {
    explicit Malformed(const std::string& what) : std::runtime_error(what) {}
  };

 private:
  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool peek(char c) {
    skipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) throw Malformed(std::string("expected '") + c + "' at offset " + std::to_string(pos_));
    ++pos_;
  }
  std::string string(const char* what) {
    skipSpace();
    char quote = pos_ < text_.size() ? text_[pos_] : '\0';
    if (quote != '\'' && quote != '"') {
      throw Malformed(std::string("expected ") + what + " at offset " + std::to_string(pos_));
    }
    size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) throw Malformed("unterminated string");
    std::string s(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return s;
  }
  bool boolean() {
    skipSpace();
    for (auto [word, value] :
         {std::pair{std::string_view("True"), true}, std::pair{std::string_view("False"), false}}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    throw Malformed("expected True or False for 'fortran_order' at offset " + std::to_string(pos_));
  }
  Shape tuple() {
    Shape shape;
    expect('(');
    while (!peek(')')) {
      size_t start = pos_;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      if (pos_ == start) throw Malformed("expected a size in 'shape' at offset " + std::to_string(pos_));
      shape.push_back(std::stoll(std::string(text_.substr(start, pos_ - start))));
      if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 longs
      if (!peek(')')) expect(',');
    }
    expect(')');
    return shape;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

uint32_t littleEndian(const std::string& bytes, size_t at, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  }
  return value;
}

std::string shapeTuple(const Shape& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace

Tensor loadNpy(const std::string& path, Device device) {
  auto error = [&](const std::string& what) {
    return RuntimeError(fmt::format("cannot read '{}': {}", path, what));
  };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(std::strerror(errno));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw error(std::strerror(errno));

  if (bytes.empty()) throw error("file is empty");
  if (bytes.compare(0, kMagic.size(), kMagic) != 0) throw error("not a NumPy .npy file (no \\x93NUMPY magic string)");
  if (bytes.size() < 10) {
    throw error(fmt::format("file is truncated: expected at least 10 bytes, found {}", bytes.size()));
  }
  int major = static_cast<unsigned char>(bytes[6]), minor = static_cast<unsigned char>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    throw error(fmt::format("unsupported .npy format version {}.{}", major, minor));
  }
  size_t lengthWidth = major == 1 ? 2 : 4;
  size_t headerStart = 8 + lengthWidth;
  if (bytes.size() < headerStart) {
    throw error(fmt::format("file is truncated: expected at least {} bytes, found {}", headerStart, bytes.size()));
  }
  size_t headerLength = littleEndian(bytes, 8, lengthWidth);
  size_t dataStart = headerStart + headerLength;
  if (bytes.size() < dataStart) {
    throw error(fmt::format("file is truncated: expected a header of {} bytes, found {}", headerLength,
                           bytes.size() - headerStart));
  }
  HeaderParser::Header header;
  try {
    header = HeaderParser(std::string_view(bytes).substr(headerStart, headerLength)).parse();
  } catch (const HeaderParser::Malformed& e) {
    throw error(fmt::format("malformed header: {}", e.what()));
  }
  std::optional<NpyType> type = parseNpyDescr(header.descr);
  if (!type) {
    throw error(fmt::format(
        "unsupported dtype '{}' (hel reads |b1, |u1, |i1, <i2, <i4, <i8, <f2, <f4, <f8 and bfloat16)", header.descr));
  }
  size_t item = itemSize(type->dtype);
  size_t expected = static_cast<size_t>(numelOf(header.shape)) * item;
  size_t found = bytes.size() - dataStart;
  if (found < expected) {
    throw error(fmt::format("file is truncated: expected {} bytes of data, found {}", expected, found));
  }

  // A Fortran-order array is the C-order array of the reversed shape, transposed.
  Shape stored = header.shape;
  if (header.fortranOrder) std::reverse(stored.begin(), stored.end());
  Tensor t = Tensor::empty(stored, type->dtype);
  std::byte* data = t.data();
  std::memcpy(data, bytes.data() + dataStart, expected);
  if (type->bigEndian) {
    for (size_t i = 0; i < expected; i += item) std::reverse(data + i, data + i + item);
  }
  if (type->dtype == DType::Bool) {
    // NumPy reads any nonzero byte as True; a C++ bool must hold 0 or 1.
    for (size_t i = 0; i < expected; ++i) data[i] = std::byte{data[i] != std::byte{0}};
  }
  if (header.fortranOrder) {
    Shape reversed(stored.size());
    for (size_t i = 0; i < reversed.size(); ++i) reversed[i] = static_cast<int64_t>(reversed.size() - 1 - i);
    t = t.permute(reversed).contiguous();
  }
  return t.to(device);
}

void saveNpy(const std::string& path, const Tensor& tensor) {
  check(!tensor.isMeta(), "cannot write '{}': a meta tensor has no data", path);
  Tensor data = tensor.contiguous();
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", npyDescr(data.dtype()),
                                   shapeTuple(data.shape()));
  // As NumPy: spare spaces so that the first size can grow in place (21 digits), then
  // padding and a newline so that the data starts at a multiple of 64 bytes.
  if (!data.shape().empty()) header.append(21 - std::to_string(data.shape()[0]).size(), ' ');
  bool version2 = 10 + header.size() + 64 > 65535;  // the length no longer fits 16 bits
  size_t prefix = version2 ? 12 : 10;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic);
  out += static_cast<char>(version2 ? 2 : 1);
  out += '\0';
  for (size_t i = 0; i < prefix - 8; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xFF);
  out += header;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (file) {
    file.write(out.data(), static_cast<std::streamsize>(out.size()));
    file.write(reinterpret_cast<const char*>(data.data()),
               static_cast<std::streamsize>(data.numel() * itemSize(data.dtype())));
  }
  check(static_cast<bool>(file), "cannot write '{}': {}", path, std::strerror(errno));
}

}  // namespace hel
