"""G: trainer configs (`--trainer-config`, the `trainer-config` key). The checks that report
these codes are in `sftlint.trainerconfig` (they read the YAML and the datasets it names);
docs/trainer-configs.md says which keys of each trainer are read.
"""

from __future__ import annotations

from sftlint.model import Severity
from sftlint.registry import Rule, register

register(
    Rule(
        "G001",
        "trainer-config-unreadable",
        Severity.ERROR,
        "The trainer config cannot be read",
        """\
The file is not YAML (or JSON) the trainer can load, is not a mapping, is not a config of a
trainer sftlint reads (Axolotl, LLaMA-Factory, TRL, mistral-finetune), or a dataset entry
has no path. The trainer stops before its first step; sftlint checks nothing of it.

Bad:
```yaml
base_model: ./models/qwen
datasets:
  - type: chat_template
```
Good:
```yaml
base_model: ./models/qwen
datasets:
  - path: data/train.jsonl
    type: chat_template
```
""",
    ),
    Rule(
        "G002",
        "dataset-not-found",
        Severity.ERROR,
        "A dataset the config names does not exist locally",
        """\
The path is neither a local file or folder (relative to the config's folder or the working
folder, as the trainers resolve it) nor a Hub dataset already in the local Hugging Face
cache, or (LLaMA-Factory) the name is not a key of `dataset_info.json`. The trainer fails
to load it, or downloads something sftlint cannot check (sftlint never downloads).

Bad:
```yaml
datasets:
  - path: data/trian.jsonl
    type: chat_template
```
Good:
```yaml
datasets:
  - path: data/train.jsonl
    type: chat_template
```
""",
    ),
    Rule(
        "G003",
        "tokenizer-not-local",
        Severity.WARNING,
        "The model's tokenizer is neither a local folder nor in the local cache",
        """\
`base_model`, `model_name_or_path` or `model_id_or_path` names a Hub model that is not in the
local Hugging Face cache. sftlint never downloads, so the rows are checked for structure
only: what is trained is not shown. Fetch it once (`huggingface-cli download ID`) or point
the config at a local folder.

Bad:
```yaml
base_model: some-org/not-downloaded
```
Good:
```yaml
base_model: ./models/qwen2.5-0.5b
```
""",
    ),
    Rule(
        "G004",
        "unknown-template",
        Severity.ERROR,
        "The trainer has no template of this name",
        """\
Axolotl's `chat_template` must be one of its `ChatTemplate` names
(`utils/schemas/enums.py`); LLaMA-Factory's `template` one of its `register_template` names
(`data/template.py`). The trainer refuses the config.

Bad:
```yaml
template: qwen2
```
Good:
```yaml
template: qwen
```
""",
    ),
    Rule(
        "G005",
        "unknown-dataset-key",
        Severity.WARNING,
        "The trainer does not read this key of a dataset entry",
        """\
Axolotl's dataset entries ignore keys it does not know: a misspelled `field_messages` leaves
the default (`messages`), and the rows' conversations are not found. The nearest key it
reads is suggested.

Bad:
```yaml
datasets:
  - path: data/train.jsonl
    type: chat_template
    field_messsages: conversations
```
Good:
```yaml
datasets:
  - path: data/train.jsonl
    type: chat_template
    field_messages: conversations
```
""",
    ),
    Rule(
        "G006",
        "mapping-matches-no-row",
        Severity.ERROR,
        "A field or column the config names is in no row",
        """\
`field_messages`, `message_property_mappings` (Axolotl) or a `columns` entry or
`tags.role_tag` (LLaMA-Factory's dataset_info.json) names a key that no row of the dataset
has. The trainer raises on every row, or reads empty conversations.

Bad (the rows hold `conversations`):
```yaml
datasets:
  - path: data/train.jsonl
    type: chat_template
```
Good:
```yaml
datasets:
  - path: data/train.jsonl
    type: chat_template
    field_messages: conversations
```
""",
    ),
    Rule(
        "G007",
        "role-not-mapped",
        Severity.ERROR,
        "Rows use a role the config's mapping does not map",
        """\
Axolotl passes a role that `roles` does not map to the chat template as it is (most
templates then raise or render it wrongly); LLaMA-Factory drops a row whose role matches
no tag ("Invalid role tag"). The finding counts the messages with each such role.

Bad (the rows use `human` and `bot`):
```yaml
    roles:
      user: [human]
```
Good:
```yaml
    roles:
      user: [human]
      assistant: [bot]
```
""",
    ),
    Rule(
        "G008",
        "trainer-drops-rows",
        Severity.WARNING,
        "The trainer drops or fails on rows of this dataset",
        """\
Counted per cause, as that trainer's own preparation does it: Axolotl drops rows longer
than `sequence_len` (default 512) and, with `sample_packing`, rows with nothing to train;
LLaMA-Factory drops rows whose roles do not alternate; TRL drops rows whose trained tokens
truncation removed; a chat template that raises stops the run. The message names the first
such row; `sftlint show DATA:ROW --trainer-config FILE` shows it.

Bad:
```yaml
sequence_len: 128   # the rows are 400 tokens long
```
Good:
```yaml
sequence_len: 2048
```
""",
    ),
    Rule(
        "G009",
        "rows-train-nothing",
        Severity.WARNING,
        "Rows of this dataset keep no trained token",
        """\
The trainer keeps these rows but computes no loss on them (no turn of a role it trains,
every message flagged `train: false`): they cost compute and teach nothing.

Bad:
```yaml
    roles_to_train: []
```
Good:
```yaml
    roles_to_train: [assistant]
```
""",
    ),
    Rule(
        "G010",
        "trainer-cuts-rows",
        Severity.WARNING,
        "The trainer cuts trained tokens off rows of this dataset",
        """\
TRL cuts rows longer than `max_length` (default 1024) at the end; LLaMA-Factory cuts each
turn's prompt and answer to `cutoff_len` (default 2048). The model learns answers that stop
mid-way.

Bad:
```yaml
max_length: 64
```
Good:
```yaml
max_length: 2048
```
""",
    ),
    Rule(
        "G011",
        "not-mirrored",
        Severity.INFO,
        "sftlint does not mirror this part of the config",
        """\
A dataset type, template or stage whose preparation sftlint does not reproduce (Axolotl
types other than `chat_template`, templates sftlint does not ship, LLaMA-Factory stages
other than `sft`). Its rows are checked for structure; what is trained is not shown.

Bad:
```yaml
datasets:
  - path: data/alpaca.json
    type: alpaca
```
Good:
```yaml
datasets:
  - path: data/chat.jsonl
    type: chat_template
```
""",
    ),
)
