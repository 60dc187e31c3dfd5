#include "doc_model.h"

namespace mlchain::cli {
namespace {

std::string strip_dashes(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size() && s[i] == '-') ++i;
  return s.substr(i);
}

OptionDoc describe_option(const CLI::Option& opt, const CompletionHints& hints, bool global) {
  OptionDoc doc;
  for (const auto& s : opt.get_snames()) doc.shorts.push_back(strip_dashes(s));
  for (const auto& l : opt.get_lnames()) doc.longs.push_back(strip_dashes(l));
  if (opt.get_positional()) doc.positional_name = opt.get_name(true, false);
  doc.description = opt.get_description();
  doc.takes_value = opt.get_type_size_max() > 0;
  if (doc.takes_value) {
    doc.type_name = opt.get_type_name();
    // CLI11 appends validator descriptions ("TEXT:{a,b}"); keep the type.
    auto colon = doc.type_name.find(':');
    if (colon != std::string::npos) doc.type_name.resize(colon);
  }
  doc.default_value = opt.get_default_str();
  doc.env = opt.get_envname();
  doc.required = opt.get_required();
  doc.global = global;
  if (auto it = hints.choices.find(&opt); it != hints.choices.end()) doc.choices = it->second;
  doc.file = hints.files.count(&opt) > 0;
  return doc;
}

CommandDoc describe_at(const CLI::App& app, const CompletionHints& hints, std::vector<std::string> path) {
  CommandDoc doc;
  doc.path = path;
  doc.description = app.get_description();
  doc.footer = app.get_footer();
  bool root = path.empty();
  for (const CLI::Option* opt : app.get_options()) {
    doc.options.push_back(describe_option(*opt, hints, root && opt->get_name() != "--help"));
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); })) {
    auto sub_path = path;
    sub_path.push_back(sub->get_name());
    doc.subcommands.push_back(describe_at(*sub, hints, sub_path));
  }
  return doc;
}

}  // namespace

std::string CommandDoc::path_string() const {
  std::string s;
  for (const auto& p : path) {
    if (!s.empty()) s += ' ';
    s += p;
  }
  return s;
}

CommandDoc describe(const CLI::App& app, const CompletionHints& hints) { return describe_at(app, hints, {}); }

}  // namespace mlchain::cli
