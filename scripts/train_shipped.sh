#!/usr/bin/env bash
# Trains the pretrained models shipped in models/ with the project's own CLI, on the full real data.
# Usage: RNNCORE_DATA_DIR=../shared/data bash scripts/train_shipped.sh [sentiment|language|chars|all]
# Every model's exact command (and, for staged runs, each earlier stage's) is also in its run.json.
# Settings were chosen on the validation split (whole movies held out of the training set); the test set
# only gives the final figure.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
run() { echo "+ $*" >&2; python -m rnncore "$@"; }

if [[ "$what" == sentiment || "$what" == all ]]; then
  # The Embedding starts from word vectors counted in the training + unlabelled reviews (never the test set).
  words=(--pooling max --embed-dim 64 --dropout 0.3 --embedding-init cooccurrence --batch-size 64 --patience 1
    --seed 1 --vocab-size 15000 --maxlen 500)
  # Four teachers (the same seed, so the same validation reviews are held out) label the 50,000 unlabelled
  # reviews; each shipped model learns from those soft labels and the 25,000 real ones, then is fine-tuned
  # on the real labels alone at a lower learning rate.
  scratch="${SCRATCH_DIR:-/tmp/rnncore-shipped}"
  bigru=(--cell gru --units 64 --bidirectional)
  run train sentiment "${bigru[@]}" "${words[@]}" --learning-rate 0.001 --epochs 5 --out "$scratch/e1"
  run train sentiment "${bigru[@]}" "${words[@]}" --learning-rate 0.001 --epochs 5 --embedding-dropout 0.2 \
    --out "$scratch/e2"
  run train sentiment --cell gru --units 96 --bidirectional "${words[@]}" --learning-rate 0.001 --epochs 5 \
    --out "$scratch/e3"
  run train sentiment --cell lstm --units 64 --bidirectional "${words[@]}" --learning-rate 0.001 --epochs 5 \
    --out "$scratch/e4"
  taught=(--teacher "$scratch/e1" --teacher "$scratch/e2" --teacher "$scratch/e3" --teacher "$scratch/e4")
  # Last stage: fine-tune with one 1–2-sentence crop of a training review per review added (same label), so
  # the short sentences students type are in the training distribution (rnncore/data/sentence_crops.py).
  ship() {  # ship NAME FLAGS...: learn from the teachers, fine-tune, fine-tune with crops into models/NAME
    local name=$1; shift
    run train sentiment "$@" "${words[@]}" --learning-rate 0.001 --epochs 5 "${taught[@]}" --out "$scratch/$name"
    run train sentiment "$@" "${words[@]}" --learning-rate 0.0002 --epochs 2 --init-from "$scratch/$name" \
      --out "$scratch/$name-tuned"
    run train sentiment "$@" "${words[@]}" --learning-rate 0.0002 --epochs 2 --sentence-crops 1.0 \
      --init-from "$scratch/$name-tuned" --out "$scratch/$name-crops"
    # Then what "not" and "but" do, from the training text itself (rnncore/data/counterfactuals.py): negators
    # put in or taken out of training sentences with the label flipped, beside the originals, and contrasts.
    rm -rf "models/$name"  # the store never overwrites a run; it would add a suffix
    run train sentiment "$@" "${words[@]}" --learning-rate 0.0002 --epochs 2 --sentence-crops 1.0 \
      --counterfactuals 1.0 --init-from "$scratch/$name-crops" --out "models/$name"
    python scripts/ship_weights_only.py "models/$name"  # float16 weights.npz only
  }
  ship imdb-bigru "${bigru[@]}" --embedding-dropout 0.2
  ship imdb-simplernn --cell simplernn --units 64 --clipnorm 1
fi
if [[ "$what" == language || "$what" == all ]]; then
  # The word language model on the 25,000 training + 50,000 unlabelled reviews (hours: checkpoints every few
  # minutes; after an interruption, the same command with --resume continues), then the LSTM fine-tuned from it
  # for one epoch (a second one made validation worse).
  rm -rf models/imdb-lm models/imdb-lstm models/imdb-bagofwords models/imdb-bigrams models/imdb-blend
  run train lm --epochs 3 --name imdb-lm --out models/imdb-lm
  run train sentiment --cell lstm --units 256 --embed-dim 128 --vocab-size 20000 --language-model imdb-lm \
    --pooling max --maxlen 400 --dropout 0.3 --epochs 1 --learning-rate 0.001 --seed 1 \
    --sentence-crops 1.0 --counterfactuals 2.0 --verb-negations --clause-negations --out models/imdb-lstm
  python scripts/ship_weights_only.py models/imdb-lstm
  # The order-blind baseline beside them on Predict (l2 chosen on validation among 1e-5 … 1e-3).
  run train bagofwords --l2 3e-4 --steps 300 --out models/imdb-bagofwords
  # Words and pairs of neighbouring words, NBSVM-scaled (l2 chosen on validation loss among 1e-4, 3e-4, 1e-3), and
  # its blend with the LSTM (weights chosen on validation): the best IMDB figure.
  run train bagofwords --ngrams 2 --naive-bayes --l2 3e-4 --out models/imdb-bigrams
  run blend --first imdb-lstm --second imdb-bigrams --out models/imdb-blend
fi
if [[ "$what" == chars || "$what" == all ]]; then
  # Two stages, the second continuing from the first at a lower learning rate (--init-from), because a constant
  # rate plateaus; --max-minutes keeps each stage inside a session and saves its best epoch.
  chars=(--corpus shakespeare --cell lstm --units 300 --layers 2 --embed-dim 64 --dropout 0.3 --seq-len 200
    --batch-size 32 --clipnorm 5)
  run train chars "${chars[@]}" --learning-rate 0.002 --epochs 80 --patience 4 --seed 1 --max-minutes 55 \
    --out models/shakespeare-stage1
  rm -rf models/shakespeare-lstm
  run train chars "${chars[@]}" --learning-rate 0.0005 --epochs 30 --patience 3 --seed 2 --max-minutes 25 \
    --init-from models/shakespeare-stage1 --out models/shakespeare-lstm
  rm -rf models/shakespeare-stage1
fi
