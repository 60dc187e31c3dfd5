// Shell completion scripts generated from the command tree. The scripts are
// table-driven: per command path they know the subcommands, the options, the
// options that take a value and the values (or files) those accept; the shell
// logic around the tables is fixed.
#include <functional>
#include <sstream>

#include "doc_model.h"

namespace mlchain::cli {
namespace {

void walk(const CommandDoc& node, const std::function<void(const CommandDoc&)>& fn) {
  fn(node);
  for (const auto& sub : node.subcommands) walk(sub, fn);
}

std::vector<const OptionDoc*> globals_of(const CommandDoc& root) {
  std::vector<const OptionDoc*> out;
  for (const auto& o : root.options)
    if (o.global) out.push_back(&o);
  return out;
}

// Options usable at `node`: its own plus the root's globals (fallthrough).
std::vector<const OptionDoc*> usable_options(const CommandDoc& root, const CommandDoc& node) {
  std::vector<const OptionDoc*> out;
  for (const auto& o : node.options)
    if (o.positional_name.empty()) out.push_back(&o);
  if (!node.path.empty())
    for (const OptionDoc* g : globals_of(root)) out.push_back(g);
  return out;
}

std::vector<std::string> flags_of(const OptionDoc& o) {
  std::vector<std::string> out;
  for (const auto& s : o.shorts) out.push_back("-" + s);
  for (const auto& l : o.longs) out.push_back("--" + l);
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep = " ") {
  std::string s;
  for (const auto& x : v) {
    if (!s.empty()) s += sep;
    s += x;
  }
  return s;
}

// Values an option or positional accepts: "@file" for a path, else choices.
std::string values_of(const OptionDoc& o) {
  if (o.file) return "@file";
  return join(o.choices);
}

const OptionDoc* first_positional(const CommandDoc& node) {
  for (const auto& o : node.options)
    if (!o.positional_name.empty()) return &o;
  return nullptr;
}

std::string single_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string first_line(const std::string& s) {
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// The tables in POSIX-ish shell syntax, shared by bash and zsh.
std::string shell_tables(const CommandDoc& root) {
  std::ostringstream subs, opts, valopts, values, pos;
  walk(root, [&](const CommandDoc& node) {
    std::string key = single_quote(node.path_string());
    std::vector<std::string> names;
    for (const auto& s : node.subcommands) names.push_back(s.path.back());
    if (!names.empty()) subs << "    " << key << ") echo " << single_quote(join(names)) << " ;;\n";
    std::vector<std::string> all, with_value;
    for (const OptionDoc* o : usable_options(root, node)) {
      for (const auto& f : flags_of(*o)) {
        all.push_back(f);
        if (o->takes_value) with_value.push_back(f);
        std::string v = values_of(*o);
        if (!v.empty()) values << "    " << single_quote(node.path_string() + "|" + f) << ") echo " << single_quote(v) << " ;;\n";
      }
    }
    opts << "    " << key << ") echo " << single_quote(join(all)) << " ;;\n";
    if (!with_value.empty()) valopts << "    " << key << ") echo " << single_quote(join(with_value)) << " ;;\n";
    if (const OptionDoc* p = first_positional(node)) {
      std::string v = values_of(*p);
      if (!v.empty()) pos << "    " << key << ") echo " << single_quote(v) << " ;;\n";
    }
  });
  std::ostringstream out;
  out << "_mlchain_subcommands() {\n  case \"$1\" in\n" << subs.str() << "  esac\n}\n";
  out << "_mlchain_options() {\n  case \"$1\" in\n" << opts.str() << "  esac\n}\n";
  out << "_mlchain_value_options() {\n  case \"$1\" in\n" << valopts.str() << "  esac\n}\n";
  out << "_mlchain_values() {\n  case \"$1|$2\" in\n" << values.str() << "  esac\n}\n";
  out << "_mlchain_positional() {\n  case \"$1\" in\n" << pos.str() << "  esac\n}\n";
  // Walks the words before the cursor to find the command path; sets
  // _mlchain_path and _mlchain_prev_takes_value.
  out << R"SH(_mlchain_find_path() {
  _mlchain_path=""
  local skip=0 w i
  for ((i = 2; i < $#; i++)); do
    w="${@:i:1}"
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      --*=*) ;;
      -*) case " $(_mlchain_value_options "$_mlchain_path") " in *" $w "*) skip=1 ;; esac ;;
      *) case " $(_mlchain_subcommands "$_mlchain_path") " in
           *" $w "*) _mlchain_path="${_mlchain_path:+$_mlchain_path }$w" ;;
         esac ;;
    esac
  done
}
)SH";
  return out.str();
}

}  // namespace

std::string bash_completion(const CommandDoc& root) {
  std::ostringstream out;
  out << "# bash completion for mlchain. Generated from the command tree by mlchain-gendocs; do not edit.\n"
      << "# Install: source this file, or copy it to /usr/share/bash-completion/completions/mlchain\n";
  out << shell_tables(root);
  out << R"SH(_mlchain() {
  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" values
  _mlchain_find_path "${COMP_WORDS[@]:0:COMP_CWORD+1}"
  if [[ "$prev" == -* ]]; then
    values="$(_mlchain_values "$_mlchain_path" "$prev")"
    if [[ "$values" == "@file" ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
    if [[ -n "$values" ]]; then COMPREPLY=($(compgen -W "$values" -- "$cur")); return; fi
    case " $(_mlchain_value_options "$_mlchain_path") " in *" $prev "*) COMPREPLY=(); return ;; esac
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_mlchain_options "$_mlchain_path")" -- "$cur"))
    return
  fi
  values="$(_mlchain_subcommands "$_mlchain_path")"
  [[ -z "$values" ]] && values="$(_mlchain_positional "$_mlchain_path")"
  if [[ "$values" == "@file" ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
  COMPREPLY=($(compgen -W "$values" -- "$cur"))
}
complete -o default -F _mlchain mlchain
)SH";
  return out.str();
}

std::string zsh_completion(const CommandDoc& root) {
  std::ostringstream out;
  out << "#compdef mlchain\n"
      << "# zsh completion for mlchain. Generated from the command tree by mlchain-gendocs; do not edit.\n"
      << "# Install: copy to a directory in $fpath as _mlchain, then run compinit.\n";
  out << shell_tables(root);
  std::ostringstream descs;
  walk(root, [&](const CommandDoc& node) {
    for (const auto& sub : node.subcommands)
      descs << "    " << single_quote(sub.path_string()) << ") echo " << single_quote(first_line(sub.description)) << " ;;\n";
  });
  out << "_mlchain_describe() {\n  case \"$1\" in\n" << descs.str() << "  esac\n}\n";
  out << R"SH(_mlchain() {
  local cur="${words[CURRENT]}" prev="${words[CURRENT-1]}" values
  _mlchain_find_path "${(@)words[1,CURRENT]}"
  if [[ "$prev" == -* ]]; then
    values="$(_mlchain_values "$_mlchain_path" "$prev")"
    if [[ "$values" == "@file" ]]; then _files; return; fi
    if [[ -n "$values" ]]; then compadd -- ${=values}; return; fi
    case " $(_mlchain_value_options "$_mlchain_path") " in *" $prev "*) _message 'value'; return ;; esac
  fi
  if [[ "$cur" == -* ]]; then
    compadd -- ${=$(_mlchain_options "$_mlchain_path")}
    return
  fi
  values="$(_mlchain_subcommands "$_mlchain_path")"
  if [[ -n "$values" ]]; then
    local -a described
    local s
    for s in ${=values}; do
      described+=("$s:$(_mlchain_describe "${_mlchain_path:+$_mlchain_path }$s")")
    done
    _describe 'command' described
    return
  fi
  values="$(_mlchain_positional "$_mlchain_path")"
  if [[ "$values" == "@file" ]]; then _files; return; fi
  [[ -n "$values" ]] && compadd -- ${=values}
}
compdef _mlchain mlchain
)SH";
  return out.str();
}

std::string fish_completion(const CommandDoc& root) {
  std::ostringstream out;
  out << "# fish completion for mlchain. Generated from the command tree by mlchain-gendocs; do not edit.\n"
      << "# Install: copy to ~/.config/fish/completions/mlchain.fish\n";
  // Path detection: the subcommand words typed so far, skipping option values.
  std::ostringstream valopts, subs;
  walk(root, [&](const CommandDoc& node) {
    std::vector<std::string> names, with_value;
    for (const auto& s : node.subcommands) names.push_back(s.path.back());
    for (const OptionDoc* o : usable_options(root, node))
      if (o->takes_value)
        for (const auto& f : flags_of(*o)) with_value.push_back(f);
    if (!names.empty()) subs << "        case " << single_quote(node.path_string()) << "\n            echo " << join(names) << "\n";
    if (!with_value.empty())
      valopts << "        case " << single_quote(node.path_string()) << "\n            echo -- " << join(with_value) << "\n";
  });
  out << "function __mlchain_subcommands\n    switch $argv[1]\n" << subs.str() << "    end\nend\n";
  out << "function __mlchain_value_options\n    switch $argv[1]\n" << valopts.str() << "    end\nend\n";
  out << R"FISH(function __mlchain_path
    set -l words (commandline -opc)
    set -l path ''
    set -l skip 0
    for w in $words[2..-1]
        if test $skip -eq 1
            set skip 0
            continue
        end
        if string match -q -- '--*=*' $w
            continue
        else if string match -q -- '-*' $w
            if contains -- $w (string split ' ' -- (__mlchain_value_options "$path"))
                set skip 1
            end
        else if contains -- $w (string split ' ' -- (__mlchain_subcommands "$path"))
            if test -z "$path"
                set path $w
            else
                set path "$path $w"
            end
        end
    end
    echo $path
end
function __mlchain_at
    test (__mlchain_path) = "$argv[1]"
end
complete -c mlchain -f
)FISH";
  walk(root, [&](const CommandDoc& node) {
    std::string cond = "-n " + single_quote("__mlchain_at " + single_quote(node.path_string()));
    for (const auto& sub : node.subcommands)
      out << "complete -c mlchain " << cond << " -a " << single_quote(sub.path.back()) << " -d "
          << single_quote(first_line(sub.description)) << "\n";
    for (const OptionDoc* o : usable_options(root, node)) {
      out << "complete -c mlchain " << cond;
      for (const auto& s : o->shorts) out << " -s " << s;
      for (const auto& l : o->longs) out << " -l " << l;
      if (o->takes_value) out << " -r";
      if (o->file) out << " -F";
      if (!o->choices.empty()) out << " -a " << single_quote(join(o->choices));
      out << " -d " << single_quote(first_line(o->description)) << "\n";
    }
    if (const OptionDoc* p = first_positional(node)) {
      if (p->file) out << "complete -c mlchain " << cond << " -F\n";
      else if (!p->choices.empty()) out << "complete -c mlchain " << cond << " -a " << single_quote(join(p->choices)) << "\n";
    }
  });
  return out.str();
}

}  // namespace mlchain::cli
