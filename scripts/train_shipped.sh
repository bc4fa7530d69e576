#!/usr/bin/env bash
# Trains the pretrained models shipped in models/ with the project's own CLI, on the full real data.
# Usage: RNNCORE_DATA_DIR=../shared/data bash scripts/train_shipped.sh [sentiment|chars|all]
# Every model's exact command (and, for staged runs, each earlier stage's) is also in its run.json.
# Settings were chosen on the validation split (whole movies held out of the training set); the test set
# only gives the final figure.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
run() { echo "+ $*" >&2; python -m rnncore "$@"; }

if [[ "$what" == sentiment || "$what" == all ]]; then
  # The Embedding starts from word vectors counted in the training + unlabelled reviews (never the test set).
  words=(--pooling max --embed-dim 64 --dropout 0.3 --embedding-init cooccurrence --batch-size 64
    --learning-rate 0.001 --patience 1 --seed 1 --vocab-size 15000 --maxlen 500 --epochs 5)
  # Four teachers (same seed, so the same validation reviews are held out) label the 50,000 unlabelled
  # reviews; each shipped model then learns from those soft labels as well as the 25,000 real ones.
  teachers="${TEACHERS_DIR:-/tmp/rnncore-teachers}"
  run train sentiment --cell gru --units 64 --bidirectional "${words[@]}" --out "$teachers/e1"
  run train sentiment --cell gru --units 64 --bidirectional "${words[@]}" --embedding-dropout 0.2 --out "$teachers/e2"
  run train sentiment --cell gru --units 96 --bidirectional "${words[@]}" --out "$teachers/e3"
  run train sentiment --cell lstm --units 64 --bidirectional "${words[@]}" --out "$teachers/e4"
  taught=(--teacher "$teachers/e1" --teacher "$teachers/e2" --teacher "$teachers/e3" --teacher "$teachers/e4")
  run train sentiment --cell gru --units 64 --bidirectional "${words[@]}" "${taught[@]}" --out models/imdb-bigru
  run train sentiment --cell lstm --units 64 "${words[@]}" "${taught[@]}" --out models/imdb-lstm
  run train sentiment --cell simplernn --units 64 --clipnorm 1 "${words[@]}" "${taught[@]}" --out models/imdb-simplernn
fi
if [[ "$what" == chars || "$what" == all ]]; then
  # Three stages, each continuing from the last at a lower learning rate (--init-from), because a constant
  # rate plateaus; --max-minutes keeps each stage inside a session and saves its best epoch.
  chars=(--corpus shakespeare --cell lstm --units 300 --layers 2 --embed-dim 64 --dropout 0.3 --seq-len 200
    --batch-size 32 --clipnorm 5)
  run train chars "${chars[@]}" --learning-rate 0.002 --epochs 80 --patience 4 --seed 1 --max-minutes 55 \
    --out models/shakespeare-stage1
  run train chars "${chars[@]}" --learning-rate 0.0005 --epochs 30 --patience 3 --seed 2 --max-minutes 25 \
    --init-from models/shakespeare-stage1 --out models/shakespeare-lstm
  rm -rf models/shakespeare-stage1
fi
