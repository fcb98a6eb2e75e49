#include "runtime/CaseFile.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "runtime/Errors.h"
#include "runtime/Npy.h"

namespace hel {
namespace {

constexpr std::string_view kFields[] = {"spec", "args", "outputs", "rtol", "atol", "shapes", "dtypes"};

class CaseReader {
 public:
  explicit CaseReader(std::string path) : path_(std::move(path)) {}

  RuntimeError error(const std::string& what) const {
    return RuntimeError(fmt::format("cannot read '{}': {}", path_, what));
  }

  toml::table parse() const {
    std::ifstream in(path_);
    if (!in) throw error(std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    try {
      return toml::parse(text.str(), path_);
    } catch (const toml::parse_error& e) {
      throw error(
          fmt::format("line {}, column {}: {}", e.source().begin.line, e.source().begin.column, e.description()));
    }
  }

  std::vector<std::string> strings(const toml::node& node, const std::string& field) const {
    const toml::array* array = node.as_array();
    if (!array) throw error(fmt::format("field '{}' must be an array of strings", field));
    std::vector<std::string> values;
    for (const toml::node& element : *array) {
      std::optional<std::string> value = element.value<std::string>();
      if (!value || value->empty()) throw error(fmt::format("field '{}' must be an array of strings", field));
      values.push_back(*value);
    }
    return values;
  }

  std::optional<double> number(const toml::table& table, const std::string& field) const {
    const toml::node* node = table.get(field);
    if (!node) return std::nullopt;
    std::optional<double> value = node->value<double>();
    if (!value || (!node->is_floating_point() && !node->is_integer())) {
      throw error(fmt::format("field '{}' must be a number", field));
    }
    return value;
  }

  const toml::table* subtable(const toml::table& table, const std::string& field) const {
    const toml::node* node = table.get(field);
    if (!node) return nullptr;
    if (!node->is_table()) throw error(fmt::format("field '{}' must be a table", field));
    return node->as_table();
  }

 private:
  std::string path_;
};

}  // namespace

void ReferenceCase::save(const std::string& dir, const std::string& inputsFrom) const {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw RuntimeError(fmt::format("cannot create '{}': {}", dir, error.message()));
  for (const std::string& arg : args) {
    fs::path from = fs::path(inputsFrom) / (arg + ".npy");
    fs::path to = fs::path(dir) / (arg + ".npy");
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, error);
    if (error) throw RuntimeError(fmt::format("cannot copy '{}' to '{}': {}", from.string(), to.string(), error.message()));
  }
  for (size_t i = 0; i < outputs.size(); ++i) saveNpy((fs::path(dir) / outputs[i]).string(), expected.at(i));
  auto quoted = [](const std::vector<std::string>& names) {
    std::vector<std::string> items;
    for (const std::string& name : names) items.push_back(fmt::format("\"{}\"", name));
    return fmt::format("[{}]", fmt::join(items, ", "));
  };
  std::string text = fmt::format("spec = \"{}\"\nargs = {}\noutputs = {}\n", spec, quoted(args), quoted(outputs));
  if (rtol && atol) text += fmt::format("rtol = {}\natol = {}\n", *rtol, *atol);
  std::string tomlPath = (fs::path(dir) / "case.toml").string();
  std::ofstream out(tomlPath);
  out << text;
  if (!out.flush()) throw RuntimeError(fmt::format("cannot write '{}': {}", tomlPath, std::strerror(errno)));
}

ReferenceCase ReferenceCase::load(const std::string& dir, Device device) {
  namespace fs = std::filesystem;
  std::string tomlPath = (fs::path(dir) / "case.toml").string();
  CaseReader reader(tomlPath);
  toml::table table = reader.parse();
  for (auto&& [key, node] : table) {
    bool known = std::find(std::begin(kFields), std::end(kFields), key.str()) != std::end(kFields);
    if (!known) {
      throw reader.error(fmt::format("unknown field '{}' (known fields: {})", key.str(), fmt::join(kFields, ", ")));
    }
  }

  ReferenceCase c;
  c.dir = dir;
  if (const toml::node* spec = table.get("spec")) {
    if (!spec->is_string()) throw reader.error("field 'spec' must be a string");
    c.spec = *spec->value<std::string>();
  }
  const toml::node* args = table.get("args");
  if (!args) throw reader.error("field 'args' is missing");
  c.args = reader.strings(*args, "args");
  const toml::node* outputs = table.get("outputs");
  c.outputs = outputs ? reader.strings(*outputs, "outputs") : std::vector<std::string>{"expected.npy"};
  if (c.outputs.empty()) throw reader.error("field 'outputs' must name at least one file");
  c.rtol = reader.number(table, "rtol");
  c.atol = reader.number(table, "atol");
  if (c.rtol.has_value() != c.atol.has_value()) {
    throw reader.error(fmt::format("field '{}' is given without '{}' (give both or neither)", c.rtol ? "rtol" : "atol",
                                   c.rtol ? "atol" : "rtol"));
  }

  // Every file, by the name [shapes] and [dtypes] use for it.
  std::map<std::string, std::pair<std::string, Tensor*>> files;
  c.inputs.resize(c.args.size());
  c.expected.resize(c.outputs.size());
  auto add = [&](const std::string& name, const std::string& file, Tensor* tensor) {
    if (!files.emplace(name, std::make_pair(file, tensor)).second) {
      throw reader.error(fmt::format("'{}' names two files (the arguments and output stems must differ)", name));
    }
  };
  for (size_t i = 0; i < c.args.size(); ++i) add(c.args[i], c.args[i] + ".npy", &c.inputs[i]);
  for (size_t i = 0; i < c.outputs.size(); ++i)
    add(fs::path(c.outputs[i]).stem().string(), c.outputs[i], &c.expected[i]);
  for (auto& [name, file] : files) *file.second = loadNpy((fs::path(dir) / file.first).string(), device);

  auto fileOf = [&](const std::string& table, const std::string& name) -> std::pair<std::string, Tensor*>& {
    auto it = files.find(name);
    if (it == files.end()) throw reader.error(fmt::format("[{}] {}: no argument or output has this name", table, name));
    return it->second;
  };
  auto mismatch = [&](const std::string& file, const std::string& what) {
    return RuntimeError(fmt::format("'{}' does not match '{}': {}", (fs::path(dir) / file).string(), tomlPath, what));
  };
  if (const toml::table* shapes = reader.subtable(table, "shapes")) {
    for (auto&& [key, node] : *shapes) {
      std::string name(key.str());
      auto& [file, tensor] = fileOf("shapes", name);
      const toml::array* array = node.as_array();
      Shape shape;
      for (size_t i = 0; array && i < array->size(); ++i) {
        std::optional<int64_t> size = (*array)[i].value<int64_t>();
        if (!size || !(*array)[i].is_integer()) array = nullptr;
        else shape.push_back(*size);
      }
      if (!array) throw reader.error(fmt::format("[shapes] {} must be an array of integers", name));
      if (tensor->shape() != shape) {
        throw mismatch(file, fmt::format("[shapes] {} = {}, but the file has shape {}", name, shapeStr(shape),
                                         shapeStr(tensor->shape())));
      }
    }
  }
  if (const toml::table* dtypes = reader.subtable(table, "dtypes")) {
    for (auto&& [key, node] : *dtypes) {
      std::string name(key.str());
      auto& [file, tensor] = fileOf("dtypes", name);
      std::optional<std::string> text = node.value<std::string>();
      std::optional<DType> dtype = text ? parseDType(*text) : std::nullopt;
      if (!dtype) throw reader.error(fmt::format("[dtypes] {} must name a dtype such as \"float32\"", name));
      if (tensor->dtype() != *dtype) {
        throw mismatch(file, fmt::format("[dtypes] {} = \"{}\", but the file holds {}", name, *text,
                                         dtypeBareName(tensor->dtype())));
      }
    }
  }
  return c;
}

}  // namespace hel
