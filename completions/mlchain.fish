# fish completion for mlchain. Generated from the command tree by mlchain-gendocs; do not edit.
# Install: copy to ~/.config/fish/completions/mlchain.fish
function __mlchain_subcommands
    switch $argv[1]
        case ''
            echo version key layer node bench sim selfcheck completion
        case 'key'
            echo gen show sign verify
        case 'layer'
            echo create show attach
        case 'node'
            echo run status join leave
        case 'bench'
            echo layer
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
        case 'layer'
            echo -- -h --help -o --output -q --quiet -v --verbose --color
        case 'layer create'
            echo -- -h --help --blueprint --out --force -o --output -q --quiet -v --verbose --color
        case 'layer show'
            echo -- -h --help --node --tree -o --output -q --quiet -v --verbose --color
        case 'layer attach'
            echo -- -h --help --path --key --address --admin-key --node --name -o --output -q --quiet -v --verbose --color
        case 'node'
            echo -- -h --help -o --output -q --quiet -v --verbose --color
        case 'node run'
            echo -- -h --help --config -o --output -q --quiet -v --verbose --color
        case 'node status'
            echo -- -h --help --node -o --output -q --quiet -v --verbose --color
        case 'node join'
            echo -- -h --help --config --admin-key --node --address --timeout -o --output -q --quiet -v --verbose --color
        case 'node leave'
            echo -- -h --help --config --member --admin-key --node --timeout -o --output -q --quiet -v --verbose --color
        case 'bench'
            echo -- -h --help -o --output -q --quiet -v --verbose --color
        case 'bench layer'
            echo -- -h --help --node --ops --concurrency --prefix -o --output -q --quiet -v --verbose --color
        case 'sim'
            echo -- -h --help --nodes --byzantine --kind --ops --seed --clients --byzantine-clients --drop --duplicate --delay --partition --crash --random-partitions --random-crashes --store --dir --crypto --batch-size --checkpoint-interval --trace -o --output -q --quiet -v --verbose --color
        case 'selfcheck'
            echo -- -h --help --node --timeout -o --output -q --quiet -v --verbose --color
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
complete -c mlchain -n '__mlchain_at '\'''\''' -a 'layer' -d 'Establish layers and inspect them.'
complete -c mlchain -n '__mlchain_at '\'''\''' -a 'node' -d 'Run a layer member'\''s daemon, inspect nodes, admit and remove members.'
complete -c mlchain -n '__mlchain_at '\'''\''' -a 'bench' -d 'Load generators against a running network.'
complete -c mlchain -n '__mlchain_at '\'''\''' -a 'sim' -d 'Simulate one PBFT layer deterministically under faults and check its safety invariants.'
complete -c mlchain -n '__mlchain_at '\'''\''' -a 'selfcheck' -d 'Examine a node now: chain, store, certificate, peers, superior, clock.'
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
complete -c mlchain -n '__mlchain_at '\''layer'\''' -a 'create' -d 'Write a layer'\''s genesis from its blueprint and print the genesis hash.'
complete -c mlchain -n '__mlchain_at '\''layer'\''' -a 'show' -d 'Show the layer as a running member sees it: view, primary, height, members.'
complete -c mlchain -n '__mlchain_at '\''layer'\''' -a 'attach' -d 'Record a subordinate (edge) layer on its superior'\''s chain.'
complete -c mlchain -n '__mlchain_at '\''layer'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''layer'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''layer'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''layer'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''layer'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''layer create'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''layer create'\''' -l blueprint -r -F -d 'Blueprint TOML file (see docs/blueprint.md).'
complete -c mlchain -n '__mlchain_at '\''layer create'\''' -l out -r -F -d 'Directory to write genesis.json into (created if missing).'
complete -c mlchain -n '__mlchain_at '\''layer create'\''' -l force -r -d 'Replace an existing genesis.json.'
complete -c mlchain -n '__mlchain_at '\''layer create'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''layer create'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''layer create'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''layer create'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''layer show'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''layer show'\''' -l node -r -d 'Address of any member, https://host:port.'
complete -c mlchain -n '__mlchain_at '\''layer show'\''' -l tree -r -d 'Draw the known layer tree: climb to the root through superior layers, then every subordinate.'
complete -c mlchain -n '__mlchain_at '\''layer show'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''layer show'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''layer show'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''layer show'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -l path -r -d 'The subordinate'\''s layer path, e.g. L2/L1a/E1.'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -l key -r -F -d 'The subordinate'\''s key file (its central node'\''s key); signs the request.'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -l address -r -d 'Where the superior reaches it, https://host:port.'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -l admin-key -r -F -d 'An admin key of the superior layer.'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -l node -r -d 'A member of the superior layer, https://host:port.'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -l name -r -d 'A name for its member entry (default: the last path segment).'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''layer attach'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''node'\''' -a 'run' -d 'Run the daemon of one layer member until SIGINT or SIGTERM.'
complete -c mlchain -n '__mlchain_at '\''node'\''' -a 'status' -d 'Show one node: height, view, primary, readiness, peers.'
complete -c mlchain -n '__mlchain_at '\''node'\''' -a 'join' -d 'Admit a new node to a layer and wait until it is a ready member.'
complete -c mlchain -n '__mlchain_at '\''node'\''' -a 'leave' -d 'Remove a member from its layer (it resigns, or an admin removes it).'
complete -c mlchain -n '__mlchain_at '\''node'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''node'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''node'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''node'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''node'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''node run'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''node run'\''' -l config -r -F -d 'Node config TOML (see docs/node-config.md).'
complete -c mlchain -n '__mlchain_at '\''node run'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''node run'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''node run'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''node run'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''node status'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''node status'\''' -l node -r -d 'The node'\''s address, https://host:port.'
complete -c mlchain -n '__mlchain_at '\''node status'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''node status'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''node status'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''node status'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -l config -r -F -d 'The NEW node'\''s config TOML (its key, name, listen address, genesis).'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -l admin-key -r -F -d 'An admin key of the layer (listed in the blueprint'\''s admin_keys).'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -l node -r -d 'A member to contact (default: the first member in the genesis).'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -l address -r -d 'The address members reach the new node at (default: from its listen).'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -l timeout -r -d 'Seconds to wait for the node to be ready (default 120).'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''node join'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -l config -r -F -d 'The leaving node'\''s config: it resigns, signing with its own key.'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -l member -r -d 'Name or public key of the member an admin removes.'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -l admin-key -r -F -d 'An admin key of the layer (with --member).'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -l node -r -d 'A member to contact (default: the leaving node itself).'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -l timeout -r -d 'Seconds to wait for the new epoch (default 60).'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''node leave'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''bench'\''' -a 'layer' -d 'Submit signed operations to a layer; print committed ops/s and latency.'
complete -c mlchain -n '__mlchain_at '\''bench'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''bench'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''bench'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''bench'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''bench'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''bench layer'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''bench layer'\''' -l node -r -d 'Address of the member to submit to, https://host:port.'
complete -c mlchain -n '__mlchain_at '\''bench layer'\''' -l ops -r -d 'Operations to submit.'
complete -c mlchain -n '__mlchain_at '\''bench layer'\''' -l concurrency -r -d 'Concurrent clients (each with its own key).'
complete -c mlchain -n '__mlchain_at '\''bench layer'\''' -l prefix -r -d 'Key prefix of the put operations.'
complete -c mlchain -n '__mlchain_at '\''bench layer'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''bench layer'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''bench layer'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''bench layer'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l nodes -r -d 'Replicas in the layer (1 to 64).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l byzantine -r -d 'Byzantine replicas (the first ones, so the first primary is one).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l kind -r -a 'silent equivocate forge replay view-change-spam stall' -d 'What the byzantine replicas do.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l ops -r -d 'Client operations to commit.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l seed -r -d 'Seed: the same seed and flags replay the same run.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l clients -r -d 'Concurrent clients, one request outstanding each.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l byzantine-clients -r -d 'Clients that send different operations under one request id to different replicas.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l drop -r -d 'Probability that a message is lost (0 to 1).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l duplicate -r -d 'Probability that a message is delivered twice.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l delay -r -d 'Probability of an extra delay of up to 50 ms (reorders messages).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l partition -r -d 'AT_MS:HEAL_MS:NODE,... cut these replicas off from the rest between the two times (repeatable).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l crash -r -d 'NODE:AT_MS[:RESTART_MS] crash a replica, restart it from its store (repeatable).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l random-partitions -r -d 'Extra partitions drawn from the seed.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l random-crashes -r -d 'Extra crash/restarts drawn from the seed.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l store -r -a 'memory lmdb' -d 'Replica stores: memory, or lmdb (durable, in --dir).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l dir -r -F -d 'Directory for --store lmdb (one subdirectory per replica).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l crypto -r -a 'fake ed25519' -d 'Signatures: fake (fast, still unforgeable inside the simulation) or ed25519 (real).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l batch-size -r -d 'Most requests per batch (default: the simulation'\''s).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l checkpoint-interval -r -d 'Checkpoint every k sequence numbers.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l trace -r -d 'Print view changes, crashes and state fetches with their virtual time to stderr.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''sim'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''selfcheck'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''selfcheck'\''' -l node -r -d 'The node to examine, https://host:port.'
complete -c mlchain -n '__mlchain_at '\''selfcheck'\''' -l timeout -r -d 'Seconds to wait for the report (default 60).'
complete -c mlchain -n '__mlchain_at '\''selfcheck'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''selfcheck'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''selfcheck'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''selfcheck'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -s h -l help -r -d 'Print this help message and exit'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -s o -l output -r -a 'text json' -d 'Output format: text for people, json for scripts (stable schema).'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -s q -l quiet -r -d 'Print only data and errors; no progress or notes on stderr.'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -s v -l verbose -r -d 'More detail on stderr; repeat for more (-vv).'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -l color -r -a 'auto always never' -d 'Colour in text output: auto (a terminal without NO_COLOR), always, never.'
complete -c mlchain -n '__mlchain_at '\''completion'\''' -a 'bash zsh fish'
