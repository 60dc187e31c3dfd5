// roff man pages generated from the command tree: mlchain(1) lists every
// command; each leaf command gets mlchain-<path>(1) with its options.
#include <functional>
#include <sstream>

#include "doc_model.h"

namespace mlchain::cli {
namespace {

// Escapes text for roff: backslashes, leading dots/quotes, hyphens in options.
std::string roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
    line_start = c == '\n';
  }
  return out;
}

std::string page_name(const CommandDoc& node) {
  std::string name = "mlchain";
  for (const auto& p : node.path) name += "-" + p;
  return name;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string option_synopsis(const OptionDoc& o) {
  std::string s;
  if (!o.positional_name.empty()) return o.positional_name;
  for (const auto& x : o.shorts) s += (s.empty() ? "-" : ", -") + x;
  for (const auto& x : o.longs) s += (s.empty() ? "--" : ", --") + x;
  if (o.takes_value) s += " " + (o.choices.empty() ? (o.type_name.empty() ? std::string("VALUE") : o.type_name)
                                                   : [&] {
                                                       std::string c;
                                                       for (const auto& v : o.choices) c += (c.empty() ? "" : "|") + v;
                                                       return c;
                                                     }());
  return s;
}

void write_options(std::ostringstream& out, const std::vector<const OptionDoc*>& options) {
  for (const OptionDoc* o : options) {
    out << ".TP\n.B " << roff(option_synopsis(*o)) << "\n" << roff(o->description);
    if (o->required) out << " (required)";
    if (!o->default_value.empty()) out << " Default: " << roff(o->default_value) << ".";
    if (!o->env.empty()) out << " Environment: " << roff(o->env) << ".";
    out << "\n";
  }
}

void write_footer(std::ostringstream& out, const std::string& footer) {
  if (footer.empty()) return;
  out << ".SH NOTES\n.nf\n" << roff(footer) << "\n.fi\n";
}

const char* kExitStatus =
    ".SH EXIT STATUS\n"
    ".TP\n0\nSuccess.\n.TP\n1\nThe operation failed.\n.TP\n2\nUsage or configuration error.\n"
    ".TP\n3\nA peer or node could not be reached.\n.TP\n4\nNot authorised.\n"
    ".TP\n5\nVerification failed (bad signature, proof or certificate).\n"
    ".TP\n6\nSelfcheck found a problem.\n";

}  // namespace

std::map<std::string, std::string> man_pages(const CommandDoc& root, const std::string& version) {
  std::map<std::string, std::string> pages;
  std::vector<const OptionDoc*> globals;
  for (const auto& o : root.options)
    if (o.global) globals.push_back(&o);

  std::function<void(const CommandDoc&)> visit = [&](const CommandDoc& node) {
    std::ostringstream out;
    std::string name = page_name(node);
    out << ".\\\" Generated from the command tree by mlchain-gendocs; do not edit.\n";
    out << ".TH " << upper(roff(name)) << " 1 \"\" \"mlchain " << version << "\" \"mlchain manual\"\n";
    out << ".SH NAME\n" << roff(name) << " \\- " << roff(node.description.substr(0, node.description.find('\n'))) << "\n";
    out << ".SH SYNOPSIS\n.B mlchain" << (node.path.empty() ? "" : " " + node.path_string()) << "\n";
    if (!node.subcommands.empty()) out << ".I COMMAND\n";
    out << "[\\fIOPTIONS\\fR]";
    for (const auto& o : node.options)
      if (!o.positional_name.empty()) out << " \\fI" << roff(o.positional_name) << "\\fR";
    out << "\n.SH DESCRIPTION\n" << roff(node.description) << "\n";
    if (!node.subcommands.empty()) {
      out << ".SH COMMANDS\n";
      for (const auto& sub : node.subcommands) {
        out << ".TP\n.B " << roff(sub.path_string()) << "\n" << roff(sub.description.substr(0, sub.description.find('\n')))
            << " See \\fB" << roff(page_name(sub)) << "\\fR(1).\n";
      }
    }
    std::vector<const OptionDoc*> own;
    for (const auto& o : node.options)
      if (!o.global) own.push_back(&o);
    if (!own.empty()) {
      out << ".SH OPTIONS\n";
      write_options(out, own);
    }
    out << ".SH GLOBAL OPTIONS\nThese work before or after any command.\n";
    write_options(out, globals);
    write_footer(out, node.footer);
    out << kExitStatus;
    out << ".SH SEE ALSO\n";
    if (node.path.empty()) {
      out << "The README and docs/ of the mlchain source tree.\n";
    } else {
      out << "\\fBmlchain\\fR(1)\n";
    }
    pages[name + ".1"] = out.str();
    for (const auto& sub : node.subcommands) visit(sub);
  };
  visit(root);
  return pages;
}

}  // namespace mlchain::cli
