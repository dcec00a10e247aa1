from pathlib import Path

import yaml
from django.conf import settings

from changning_ai.commands import OneLineErrorCommand
from policies.services import PolicyDataError, load_round

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
# The seed text is kept beside the round it belongs to when the shared folder is present.
SEED_TEXTS = {"changning-ai-2024": "changning-ai-policy-2024.txt"}
# libyaml's parser where PyYAML was built with it: the same safe constructor, several times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Command(OneLineErrorCommand):
    help = "载入政策数据文件(默认 policies/data/*.yaml);重复运行不会产生任何变化。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="YAML 政策数据文件")

    def handle(self, *args, **options):
        files = [Path(f) for f in options["files"]] or sorted(DATA_DIR.glob("*.yaml"))
        for path in files:
            try:
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
            except FileNotFoundError as exc:
                raise self.fail(f"找不到政策数据文件 {path}") from exc
            except yaml.YAMLError as exc:
                raise self.fail(f"{path}: 不是有效的 YAML({exc.__class__.__name__})") from exc
            if not isinstance(data, dict):
                raise self.fail(f"{path}: 政策数据应为一个映射")
            try:
                result = load_round(data, source_text=self._seed_text(data.get("code", "")))
            except PolicyDataError as exc:
                raise self.fail(f"{path}: {exc}") from exc
            r = result.round
            if options["verbosity"] < 1:
                continue
            if result.unchanged:
                self.stdout.write(f"{r.code}: 无变化({r.items.count()} 个项目)")
            else:
                self.stdout.write(
                    f"{r.code}: 新增 {result.created},更新 {result.updated},删除 {result.deleted}"
                    f"({r.items.count()} 个项目)"
                )

    @staticmethod
    def _seed_text(code: str) -> str:
        name = SEED_TEXTS.get(code)
        if not name:
            return ""
        for folder in (DATA_DIR, Path(settings.BASE_DIR).parent / "shared" / "seed"):
            if (folder / name).exists():
                return (folder / name).read_text(encoding="utf-8")
        return ""
