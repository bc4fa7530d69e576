#!/usr/bin/env bash
# Trains the pretrained models shipped in models/ with the project's own CLI, on the full real data.
# Usage: RNNCORE_DATA_DIR=../shared/data bash scripts/train_shipped.sh [sentiment|chars|chars-finetune|all]
# The shipped Shakespeare model is `chars` followed by `chars-finetune` (a second stage at a lower rate).
# Each model's exact command is also recorded in its run.json ("command").
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
run() { echo "+ $*" >&2; python -m rnncore "$@"; }

if [[ "$what" == chars || "$what" == all ]]; then
  run train chars --corpus shakespeare --cell lstm --units 320 --layers 2 --embed-dim 64 --dropout 0.2 \
    --seq-len 100 --batch-size 32 --learning-rate 0.002 --clipnorm 5 --epochs 25 --patience 3 --seed 1 --max-minutes 42 \
    --out models/shakespeare-lstm
fi
if [[ "$what" == sentiment || "$what" == all ]]; then
  run train sentiment --cell gru --units 64 --bidirectional --pooling max --embed-dim 64 --dropout 0.3 \
    --vocab-size 15000 --maxlen 500 --epochs 6 --batch-size 64 --learning-rate 0.001 --patience 1 --seed 1 \
    --out models/imdb-bigru
  run train sentiment --cell lstm --units 64 --pooling max --embed-dim 64 --dropout 0.3 \
    --vocab-size 15000 --maxlen 500 --epochs 6 --batch-size 64 --learning-rate 0.001 --patience 1 --seed 1 \
    --out models/imdb-lstm
  run train sentiment --cell simplernn --units 64 --pooling max --embed-dim 64 --dropout 0.3 \
    --vocab-size 15000 --maxlen 500 --epochs 6 --batch-size 64 --learning-rate 0.001 --clipnorm 1 --patience 1 \
    --seed 1 --out models/imdb-simplernn
fi
if [[ "$what" == chars-finetune ]]; then
  # Second stage: the first run plateaued at a constant learning rate; continue from its best epoch at 1/4 of it.
  run train chars --corpus shakespeare --cell lstm --units 320 --layers 2 --embed-dim 64 --dropout 0.2 \
    --seq-len 100 --batch-size 32 --learning-rate 0.0005 --clipnorm 5 --epochs 10 --patience 2 --seed 2 \
    --max-minutes 15 --init-from models/shakespeare-lstm --out models/shakespeare-lstm-finetuned
  rm -rf models/shakespeare-lstm && mv models/shakespeare-lstm-finetuned models/shakespeare-lstm
fi
