# bash completion for mlchain. Generated from the command tree by mlchain-gendocs; do not edit.
# Install: source this file, or copy it to /usr/share/bash-completion/completions/mlchain
_mlchain_subcommands() {
  case "$1" in
    '') echo 'version key layer block node object contract bench sim selfcheck devnet completion' ;;
    'key') echo 'gen show sign verify' ;;
    'layer') echo 'create show attach found apply invite change-superior' ;;
    'block') echo 'query verify cleanup' ;;
    'node') echo 'run status join leave invalidate applications' ;;
    'node applications') echo 'accept refuse' ;;
    'object') echo 'register list show revoke rotate-credential send fetch' ;;
    'contract') echo 'send reply end' ;;
    'bench') echo 'layer contracts soak' ;;
    'devnet') echo 'up status down partition heal' ;;
  esac
}
_mlchain_options() {
  case "$1" in
    '') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'version') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'key') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'key gen') echo '-h --help --out --name --days --force -o --output -q --quiet -v --verbose --color' ;;
    'key show') echo '-h --help --key -o --output -q --quiet -v --verbose --color' ;;
    'key sign') echo '-h --help --key --in -o --output -q --quiet -v --verbose --color' ;;
    'key verify') echo '-h --help --public-key --signature --in -o --output -q --quiet -v --verbose --color' ;;
    'layer') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'layer create') echo '-h --help --blueprint --out --force -o --output -q --quiet -v --verbose --color' ;;
    'layer show') echo '-h --help --node --tree -o --output -q --quiet -v --verbose --color' ;;
    'layer attach') echo '-h --help --path --key --address --admin-key --node --name --lifetime -o --output -q --quiet -v --verbose --color' ;;
    'layer found') echo '-h --help --path --superior --key --address --admin --out --name --request-timeout-ms --view-change-timeout-ms --force -o --output -q --quiet -v --verbose --color' ;;
    'layer apply') echo '-h --help --node --superior --admin-key --lifetime -o --output -q --quiet -v --verbose --color' ;;
    'layer invite') echo '-h --help --node --admin-key --to --via --expires -o --output -q --quiet -v --verbose --color' ;;
    'layer change-superior') echo '-h --help --node --admin-key --to -o --output -q --quiet -v --verbose --color' ;;
    'block') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'block query') echo '-h --help --node --key --chain --proof --out --genesis --op -o --output -q --quiet -v --verbose --color' ;;
    'block verify') echo '-h --help --genesis -o --output -q --quiet -v --verbose --color' ;;
    'block cleanup') echo '-h --help --node --admin-key -o --output -q --quiet -v --verbose --color' ;;
    'node') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'node run') echo '-h --help --config -o --output -q --quiet -v --verbose --color' ;;
    'node status') echo '-h --help --node -o --output -q --quiet -v --verbose --color' ;;
    'node join') echo '-h --help --config --admin-key --invitation --node --address --timeout --max-lag -o --output -q --quiet -v --verbose --color' ;;
    'node leave') echo '-h --help --config --member --admin-key --node --timeout --force -o --output -q --quiet -v --verbose --color' ;;
    'node invalidate') echo '-h --help --member --admin-key --node --timeout --force -o --output -q --quiet -v --verbose --color' ;;
    'node applications') echo '-h --help --config -o --output -q --quiet -v --verbose --color' ;;
    'node applications accept') echo '-h --help --config --out --data-dir --listen --timeout --force -o --output -q --quiet -v --verbose --color' ;;
    'node applications refuse') echo '-h --help --config -o --output -q --quiet -v --verbose --color' ;;
    'object') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'object register') echo '-h --help --edge --edge-key --admin-key --class --perm --static --function --description --format --pubkey --hmac --unsigned --secret-out --force -o --output -q --quiet -v --verbose --color' ;;
    'object list') echo '-h --help --edge --edge-key --admin-key --after --limit -o --output -q --quiet -v --verbose --color' ;;
    'object show') echo '-h --help --edge --edge-key --admin-key --history -o --output -q --quiet -v --verbose --color' ;;
    'object revoke') echo '-h --help --edge --edge-key --admin-key -o --output -q --quiet -v --verbose --color' ;;
    'object rotate-credential') echo '-h --help --edge --edge-key --admin-key --pubkey --hmac --unsigned --secret-out --force -o --output -q --quiet -v --verbose --color' ;;
    'object send') echo '-h --help --edge --edge-key --uuid --key --secret-file --counter --data --data-file --to -o --output -q --quiet -v --verbose --color' ;;
    'object fetch') echo '-h --help --edge --edge-key --uuid --key --secret-file --counter --ack --max -o --output -q --quiet -v --verbose --color' ;;
    'contract') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'contract send') echo '-h --help --edge --edge-key --from --key --secret-file --counter --to --body --message --ttl -o --output -q --quiet -v --verbose --color' ;;
    'contract reply') echo '-h --help --edge --edge-key --from --key --secret-file --counter --to --body --message --ttl --contract -o --output -q --quiet -v --verbose --color' ;;
    'contract end') echo '-h --help --edge --edge-key --from --key --secret-file --counter --to --body --message --ttl --contract -o --output -q --quiet -v --verbose --color' ;;
    'bench') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'bench layer') echo '-h --help --node --ops --concurrency --prefix --etcd -o --output -q --quiet -v --verbose --color' ;;
    'bench contracts') echo '-h --help --devnet --edge-a --edge-b --admin-key --contracts --concurrency --full --ttl -o --output -q --quiet -v --verbose --color' ;;
    'bench soak') echo '-h --help --devnet --duration --calibrate --fraction --catch-up --fault-every --fault --seed --report --forge --op-workers --pairs --prove -o --output -q --quiet -v --verbose --color' ;;
    'sim') echo '-h --help --nodes --byzantine --kind --ops --seed --clients --byzantine-clients --drop --duplicate --delay --partition --crash --join --random-partitions --random-crashes --store --dir --crypto --batch-size --checkpoint-interval --trace -o --output -q --quiet -v --verbose --color' ;;
    'selfcheck') echo '-h --help --node --layer --timeout -o --output -q --quiet -v --verbose --color' ;;
    'devnet') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'devnet up') echo '-h --help --dir --topology --base-port --timeout --netns --subnet -o --output -q --quiet -v --verbose --color' ;;
    'devnet status') echo '-h --help --dir -o --output -q --quiet -v --verbose --color' ;;
    'devnet down') echo '-h --help --dir --purge -o --output -q --quiet -v --verbose --color' ;;
    'devnet partition') echo '-h --help --dir --from -o --output -q --quiet -v --verbose --color' ;;
    'devnet heal') echo '-h --help --dir -o --output -q --quiet -v --verbose --color' ;;
    'completion') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
  esac
}
_mlchain_value_options() {
  case "$1" in
    '') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'version') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'key') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'key gen') echo '-h --help --out --name --days --force -o --output -q --quiet -v --verbose --color' ;;
    'key show') echo '-h --help --key -o --output -q --quiet -v --verbose --color' ;;
    'key sign') echo '-h --help --key --in -o --output -q --quiet -v --verbose --color' ;;
    'key verify') echo '-h --help --public-key --signature --in -o --output -q --quiet -v --verbose --color' ;;
    'layer') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'layer create') echo '-h --help --blueprint --out --force -o --output -q --quiet -v --verbose --color' ;;
    'layer show') echo '-h --help --node --tree -o --output -q --quiet -v --verbose --color' ;;
    'layer attach') echo '-h --help --path --key --address --admin-key --node --name --lifetime -o --output -q --quiet -v --verbose --color' ;;
    'layer found') echo '-h --help --path --superior --key --address --admin --out --name --request-timeout-ms --view-change-timeout-ms --force -o --output -q --quiet -v --verbose --color' ;;
    'layer apply') echo '-h --help --node --superior --admin-key --lifetime -o --output -q --quiet -v --verbose --color' ;;
    'layer invite') echo '-h --help --node --admin-key --to --via --expires -o --output -q --quiet -v --verbose --color' ;;
    'layer change-superior') echo '-h --help --node --admin-key --to -o --output -q --quiet -v --verbose --color' ;;
    'block') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'block query') echo '-h --help --node --key --chain --proof --out --genesis --op -o --output -q --quiet -v --verbose --color' ;;
    'block verify') echo '-h --help --genesis -o --output -q --quiet -v --verbose --color' ;;
    'block cleanup') echo '-h --help --node --admin-key -o --output -q --quiet -v --verbose --color' ;;
    'node') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'node run') echo '-h --help --config -o --output -q --quiet -v --verbose --color' ;;
    'node status') echo '-h --help --node -o --output -q --quiet -v --verbose --color' ;;
    'node join') echo '-h --help --config --admin-key --invitation --node --address --timeout --max-lag -o --output -q --quiet -v --verbose --color' ;;
    'node leave') echo '-h --help --config --member --admin-key --node --timeout --force -o --output -q --quiet -v --verbose --color' ;;
    'node invalidate') echo '-h --help --member --admin-key --node --timeout --force -o --output -q --quiet -v --verbose --color' ;;
    'node applications') echo '-h --help --config -o --output -q --quiet -v --verbose --color' ;;
    'node applications accept') echo '-h --help --config --out --data-dir --listen --timeout --force -o --output -q --quiet -v --verbose --color' ;;
    'node applications refuse') echo '-h --help --config -o --output -q --quiet -v --verbose --color' ;;
    'object') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'object register') echo '-h --help --edge --edge-key --admin-key --class --perm --static --function --description --format --pubkey --hmac --unsigned --secret-out --force -o --output -q --quiet -v --verbose --color' ;;
    'object list') echo '-h --help --edge --edge-key --admin-key --after --limit -o --output -q --quiet -v --verbose --color' ;;
    'object show') echo '-h --help --edge --edge-key --admin-key --history -o --output -q --quiet -v --verbose --color' ;;
    'object revoke') echo '-h --help --edge --edge-key --admin-key -o --output -q --quiet -v --verbose --color' ;;
    'object rotate-credential') echo '-h --help --edge --edge-key --admin-key --pubkey --hmac --unsigned --secret-out --force -o --output -q --quiet -v --verbose --color' ;;
    'object send') echo '-h --help --edge --edge-key --uuid --key --secret-file --counter --data --data-file --to -o --output -q --quiet -v --verbose --color' ;;
    'object fetch') echo '-h --help --edge --edge-key --uuid --key --secret-file --counter --ack --max -o --output -q --quiet -v --verbose --color' ;;
    'contract') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'contract send') echo '-h --help --edge --edge-key --from --key --secret-file --counter --to --body --message --ttl -o --output -q --quiet -v --verbose --color' ;;
    'contract reply') echo '-h --help --edge --edge-key --from --key --secret-file --counter --to --body --message --ttl --contract -o --output -q --quiet -v --verbose --color' ;;
    'contract end') echo '-h --help --edge --edge-key --from --key --secret-file --counter --to --body --message --ttl --contract -o --output -q --quiet -v --verbose --color' ;;
    'bench') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'bench layer') echo '-h --help --node --ops --concurrency --prefix --etcd -o --output -q --quiet -v --verbose --color' ;;
    'bench contracts') echo '-h --help --devnet --edge-a --edge-b --admin-key --contracts --concurrency --full --ttl -o --output -q --quiet -v --verbose --color' ;;
    'bench soak') echo '-h --help --devnet --duration --calibrate --fraction --catch-up --fault-every --fault --seed --report --forge --op-workers --pairs --prove -o --output -q --quiet -v --verbose --color' ;;
    'sim') echo '-h --help --nodes --byzantine --kind --ops --seed --clients --byzantine-clients --drop --duplicate --delay --partition --crash --join --random-partitions --random-crashes --store --dir --crypto --batch-size --checkpoint-interval --trace -o --output -q --quiet -v --verbose --color' ;;
    'selfcheck') echo '-h --help --node --layer --timeout -o --output -q --quiet -v --verbose --color' ;;
    'devnet') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
    'devnet up') echo '-h --help --dir --topology --base-port --timeout --netns --subnet -o --output -q --quiet -v --verbose --color' ;;
    'devnet status') echo '-h --help --dir -o --output -q --quiet -v --verbose --color' ;;
    'devnet down') echo '-h --help --dir --purge -o --output -q --quiet -v --verbose --color' ;;
    'devnet partition') echo '-h --help --dir --from -o --output -q --quiet -v --verbose --color' ;;
    'devnet heal') echo '-h --help --dir -o --output -q --quiet -v --verbose --color' ;;
    'completion') echo '-h --help -o --output -q --quiet -v --verbose --color' ;;
  esac
}
_mlchain_values() {
  case "$1|$2" in
    '|-o') echo 'text json' ;;
    '|--output') echo 'text json' ;;
    '|--color') echo 'auto always never' ;;
    'version|-o') echo 'text json' ;;
    'version|--output') echo 'text json' ;;
    'version|--color') echo 'auto always never' ;;
    'key|-o') echo 'text json' ;;
    'key|--output') echo 'text json' ;;
    'key|--color') echo 'auto always never' ;;
    'key gen|--out') echo '@file' ;;
    'key gen|-o') echo 'text json' ;;
    'key gen|--output') echo 'text json' ;;
    'key gen|--color') echo 'auto always never' ;;
    'key show|--key') echo '@file' ;;
    'key show|-o') echo 'text json' ;;
    'key show|--output') echo 'text json' ;;
    'key show|--color') echo 'auto always never' ;;
    'key sign|--key') echo '@file' ;;
    'key sign|--in') echo '@file' ;;
    'key sign|-o') echo 'text json' ;;
    'key sign|--output') echo 'text json' ;;
    'key sign|--color') echo 'auto always never' ;;
    'key verify|--in') echo '@file' ;;
    'key verify|-o') echo 'text json' ;;
    'key verify|--output') echo 'text json' ;;
    'key verify|--color') echo 'auto always never' ;;
    'layer|-o') echo 'text json' ;;
    'layer|--output') echo 'text json' ;;
    'layer|--color') echo 'auto always never' ;;
    'layer create|--blueprint') echo '@file' ;;
    'layer create|--out') echo '@file' ;;
    'layer create|-o') echo 'text json' ;;
    'layer create|--output') echo 'text json' ;;
    'layer create|--color') echo 'auto always never' ;;
    'layer show|-o') echo 'text json' ;;
    'layer show|--output') echo 'text json' ;;
    'layer show|--color') echo 'auto always never' ;;
    'layer attach|--key') echo '@file' ;;
    'layer attach|--admin-key') echo '@file' ;;
    'layer attach|-o') echo 'text json' ;;
    'layer attach|--output') echo 'text json' ;;
    'layer attach|--color') echo 'auto always never' ;;
    'layer found|--key') echo '@file' ;;
    'layer found|-o') echo 'text json' ;;
    'layer found|--output') echo 'text json' ;;
    'layer found|--color') echo 'auto always never' ;;
    'layer apply|--admin-key') echo '@file' ;;
    'layer apply|-o') echo 'text json' ;;
    'layer apply|--output') echo 'text json' ;;
    'layer apply|--color') echo 'auto always never' ;;
    'layer invite|--admin-key') echo '@file' ;;
    'layer invite|-o') echo 'text json' ;;
    'layer invite|--output') echo 'text json' ;;
    'layer invite|--color') echo 'auto always never' ;;
    'layer change-superior|--admin-key') echo '@file' ;;
    'layer change-superior|-o') echo 'text json' ;;
    'layer change-superior|--output') echo 'text json' ;;
    'layer change-superior|--color') echo 'auto always never' ;;
    'block|-o') echo 'text json' ;;
    'block|--output') echo 'text json' ;;
    'block|--color') echo 'auto always never' ;;
    'block query|--key') echo '@file' ;;
    'block query|--out') echo '@file' ;;
    'block query|-o') echo 'text json' ;;
    'block query|--output') echo 'text json' ;;
    'block query|--color') echo 'auto always never' ;;
    'block verify|-o') echo 'text json' ;;
    'block verify|--output') echo 'text json' ;;
    'block verify|--color') echo 'auto always never' ;;
    'block cleanup|--admin-key') echo '@file' ;;
    'block cleanup|-o') echo 'text json' ;;
    'block cleanup|--output') echo 'text json' ;;
    'block cleanup|--color') echo 'auto always never' ;;
    'node|-o') echo 'text json' ;;
    'node|--output') echo 'text json' ;;
    'node|--color') echo 'auto always never' ;;
    'node run|--config') echo '@file' ;;
    'node run|-o') echo 'text json' ;;
    'node run|--output') echo 'text json' ;;
    'node run|--color') echo 'auto always never' ;;
    'node status|-o') echo 'text json' ;;
    'node status|--output') echo 'text json' ;;
    'node status|--color') echo 'auto always never' ;;
    'node join|--config') echo '@file' ;;
    'node join|--admin-key') echo '@file' ;;
    'node join|--invitation') echo '@file' ;;
    'node join|-o') echo 'text json' ;;
    'node join|--output') echo 'text json' ;;
    'node join|--color') echo 'auto always never' ;;
    'node leave|--config') echo '@file' ;;
    'node leave|--admin-key') echo '@file' ;;
    'node leave|-o') echo 'text json' ;;
    'node leave|--output') echo 'text json' ;;
    'node leave|--color') echo 'auto always never' ;;
    'node invalidate|--admin-key') echo '@file' ;;
    'node invalidate|-o') echo 'text json' ;;
    'node invalidate|--output') echo 'text json' ;;
    'node invalidate|--color') echo 'auto always never' ;;
    'node applications|--config') echo '@file' ;;
    'node applications|-o') echo 'text json' ;;
    'node applications|--output') echo 'text json' ;;
    'node applications|--color') echo 'auto always never' ;;
    'node applications accept|--config') echo '@file' ;;
    'node applications accept|-o') echo 'text json' ;;
    'node applications accept|--output') echo 'text json' ;;
    'node applications accept|--color') echo 'auto always never' ;;
    'node applications refuse|--config') echo '@file' ;;
    'node applications refuse|-o') echo 'text json' ;;
    'node applications refuse|--output') echo 'text json' ;;
    'node applications refuse|--color') echo 'auto always never' ;;
    'object|-o') echo 'text json' ;;
    'object|--output') echo 'text json' ;;
    'object|--color') echo 'auto always never' ;;
    'object register|--admin-key') echo '@file' ;;
    'object register|--format') echo '@file' ;;
    'object register|--pubkey') echo '@file' ;;
    'object register|--secret-out') echo '@file' ;;
    'object register|-o') echo 'text json' ;;
    'object register|--output') echo 'text json' ;;
    'object register|--color') echo 'auto always never' ;;
    'object list|--admin-key') echo '@file' ;;
    'object list|-o') echo 'text json' ;;
    'object list|--output') echo 'text json' ;;
    'object list|--color') echo 'auto always never' ;;
    'object show|--admin-key') echo '@file' ;;
    'object show|-o') echo 'text json' ;;
    'object show|--output') echo 'text json' ;;
    'object show|--color') echo 'auto always never' ;;
    'object revoke|--admin-key') echo '@file' ;;
    'object revoke|-o') echo 'text json' ;;
    'object revoke|--output') echo 'text json' ;;
    'object revoke|--color') echo 'auto always never' ;;
    'object rotate-credential|--admin-key') echo '@file' ;;
    'object rotate-credential|--pubkey') echo '@file' ;;
    'object rotate-credential|--secret-out') echo '@file' ;;
    'object rotate-credential|-o') echo 'text json' ;;
    'object rotate-credential|--output') echo 'text json' ;;
    'object rotate-credential|--color') echo 'auto always never' ;;
    'object send|--key') echo '@file' ;;
    'object send|--secret-file') echo '@file' ;;
    'object send|--data-file') echo '@file' ;;
    'object send|-o') echo 'text json' ;;
    'object send|--output') echo 'text json' ;;
    'object send|--color') echo 'auto always never' ;;
    'object fetch|--key') echo '@file' ;;
    'object fetch|--secret-file') echo '@file' ;;
    'object fetch|-o') echo 'text json' ;;
    'object fetch|--output') echo 'text json' ;;
    'object fetch|--color') echo 'auto always never' ;;
    'contract|-o') echo 'text json' ;;
    'contract|--output') echo 'text json' ;;
    'contract|--color') echo 'auto always never' ;;
    'contract send|--key') echo '@file' ;;
    'contract send|--secret-file') echo '@file' ;;
    'contract send|--body') echo '@file' ;;
    'contract send|-o') echo 'text json' ;;
    'contract send|--output') echo 'text json' ;;
    'contract send|--color') echo 'auto always never' ;;
    'contract reply|--key') echo '@file' ;;
    'contract reply|--secret-file') echo '@file' ;;
    'contract reply|--body') echo '@file' ;;
    'contract reply|-o') echo 'text json' ;;
    'contract reply|--output') echo 'text json' ;;
    'contract reply|--color') echo 'auto always never' ;;
    'contract end|--key') echo '@file' ;;
    'contract end|--secret-file') echo '@file' ;;
    'contract end|--body') echo '@file' ;;
    'contract end|-o') echo 'text json' ;;
    'contract end|--output') echo 'text json' ;;
    'contract end|--color') echo 'auto always never' ;;
    'bench|-o') echo 'text json' ;;
    'bench|--output') echo 'text json' ;;
    'bench|--color') echo 'auto always never' ;;
    'bench layer|-o') echo 'text json' ;;
    'bench layer|--output') echo 'text json' ;;
    'bench layer|--color') echo 'auto always never' ;;
    'bench contracts|--devnet') echo '@file' ;;
    'bench contracts|--admin-key') echo '@file' ;;
    'bench contracts|-o') echo 'text json' ;;
    'bench contracts|--output') echo 'text json' ;;
    'bench contracts|--color') echo 'auto always never' ;;
    'bench soak|--devnet') echo '@file' ;;
    'bench soak|--report') echo '@file' ;;
    'bench soak|--forge') echo '@file' ;;
    'bench soak|-o') echo 'text json' ;;
    'bench soak|--output') echo 'text json' ;;
    'bench soak|--color') echo 'auto always never' ;;
    'sim|--kind') echo 'silent equivocate forge replay view-change-spam stall forged-request-ids oversized-batches future-view-flood ghost-proposals' ;;
    'sim|--store') echo 'memory lmdb' ;;
    'sim|--dir') echo '@file' ;;
    'sim|--crypto') echo 'fake ed25519' ;;
    'sim|-o') echo 'text json' ;;
    'sim|--output') echo 'text json' ;;
    'sim|--color') echo 'auto always never' ;;
    'selfcheck|-o') echo 'text json' ;;
    'selfcheck|--output') echo 'text json' ;;
    'selfcheck|--color') echo 'auto always never' ;;
    'devnet|-o') echo 'text json' ;;
    'devnet|--output') echo 'text json' ;;
    'devnet|--color') echo 'auto always never' ;;
    'devnet up|--dir') echo '@file' ;;
    'devnet up|--topology') echo '@file' ;;
    'devnet up|-o') echo 'text json' ;;
    'devnet up|--output') echo 'text json' ;;
    'devnet up|--color') echo 'auto always never' ;;
    'devnet status|--dir') echo '@file' ;;
    'devnet status|-o') echo 'text json' ;;
    'devnet status|--output') echo 'text json' ;;
    'devnet status|--color') echo 'auto always never' ;;
    'devnet down|--dir') echo '@file' ;;
    'devnet down|-o') echo 'text json' ;;
    'devnet down|--output') echo 'text json' ;;
    'devnet down|--color') echo 'auto always never' ;;
    'devnet partition|--dir') echo '@file' ;;
    'devnet partition|-o') echo 'text json' ;;
    'devnet partition|--output') echo 'text json' ;;
    'devnet partition|--color') echo 'auto always never' ;;
    'devnet heal|--dir') echo '@file' ;;
    'devnet heal|-o') echo 'text json' ;;
    'devnet heal|--output') echo 'text json' ;;
    'devnet heal|--color') echo 'auto always never' ;;
    'completion|-o') echo 'text json' ;;
    'completion|--output') echo 'text json' ;;
    'completion|--color') echo 'auto always never' ;;
  esac
}
_mlchain_positional() {
  case "$1" in
    'block verify') echo '@file' ;;
    'completion') echo 'bash zsh fish' ;;
  esac
}
_mlchain_find_path() {
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
_mlchain() {
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
