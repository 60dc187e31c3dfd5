# fish completion for mlchain. Generated from the command tree by mlchain-gendocs; do not edit.
# Install: copy to ~/.config/fish/completions/mlchain.fish
function __mlchain_subcommands
    switch $argv[1]
        case ''
            echo version key completion
        case 'key'
            echo gen show sign verify
    end
end
function __mlchain_value_options
    switch $argv[1]
        case ''
            echo -- -h --help -o --output -q --quiet -v --verbose --color
        case 'version'
            echo -- -h --help -o --output -q --quiet -v --verbose --color
        case 'key'
            echo -- -h --help -o --output -q --quiet -v --verbose --color
        case 'key gen'
            echo -- -h --help --out --name --days --force -o --output -q --quiet -v --verbose --color
        case 'key show'
            echo -- -h --help --key -o --output -q --quiet -v --verbose --color
        case 'key sign'
            echo -- -h --help --key --in -o --output -q --quiet -v --verbose --color
        case 'key verify'
            echo -- -h --help --public-key --signature --in -o --output -q --quiet -v --verbose --color
        case 'completion'
            echo -- -h --help -o --output -q --quiet -v --verbose --color
    end
end
function __mlchain_path
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
complete -c mlchain -n '__mlchain_at '\'''\''' -a 'version' -d 'Print the version of mlchain and of the libraries it was built with.'
complete -c mlchain -n '__mlchain_at '\'''\''' -a 'key' -d 'Create and inspect Ed25519 identities and their TLS certificates.'
complete -c mlchain -n '__mlchain_at '\'''\''' -a 'completion' -d 'Print a shell completion script for bash, zsh or fish.'
complete -c mlchain -n '__mlchain_at '\'''\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\'''\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\'''\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\'''\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\'''\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''version'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''version'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''version'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''version'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''version'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''key'\''' -a 'gen' -d 'Generate an Ed25519 private key and its self-signed certificate into one PEM file (mode 0600).'
complete -c mlchain -n '__mlchain_at '\''key'\''' -a 'show' -d 'Show the public key, key id and certificate fingerprint of a key file.'
complete -c mlchain -n '__mlchain_at '\''key'\''' -a 'sign' -d 'Sign a file with a key file; prints the Ed25519 signature in hex.'
complete -c mlchain -n '__mlchain_at '\''key'\''' -a 'verify' -d 'Check an Ed25519 signature over a file; exit 5 when it does not verify.'
complete -c mlchain -n '__mlchain_at '\''key'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''key'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''key'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''key'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''key'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''key gen'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''key gen'\''' -l out -r -F -d 'File to write; refused if it exists unless --force.'
complete -c mlchain -n '__mlchain_at '\''key gen'\''' -l name -r -d 'Certificate subject common name, e.g. the node name.'
complete -c mlchain -n '__mlchain_at '\''key gen'\''' -l days -r -d 'Certificate lifetime in days.'
complete -c mlchain -n '__mlchain_at '\''key gen'\''' -l force -r -d 'Replace an existing file.'
complete -c mlchain -n '__mlchain_at '\''key gen'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''key gen'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''key gen'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''key gen'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''key show'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''key show'\''' -l key -r -F -d 'Key file written by '\''mlchain key gen'\''.'
complete -c mlchain -n '__mlchain_at '\''key show'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''key show'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''key show'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''key show'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''key sign'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''key sign'\''' -l key -r -F -d 'Key file written by '\''mlchain key gen'\''.'
complete -c mlchain -n '__mlchain_at '\''key sign'\''' -l in -r -F -d 'File to sign (at most 1 GiB).'
complete -c mlchain -n '__mlchain_at '\''key sign'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''key sign'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''key sign'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''key sign'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''key verify'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''key verify'\''' -l public-key -r -d 'Signer'\''s public key, 64 hex characters.'
complete -c mlchain -n '__mlchain_at '\''key verify'\''' -l signature -r -d 'Signature, 128 hex characters.'
complete -c mlchain -n '__mlchain_at '\''key verify'\''' -l in -r -F -d 'File that was signed.'
complete -c mlchain -n '__mlchain_at '\''key verify'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''key verify'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''key verify'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''key verify'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -a 'bash zsh fish'
