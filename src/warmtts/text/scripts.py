"""What counts as Han: the one definition every stage uses to tell Chinese text from the rest.

CJK Unified Ideographs, Extension A, the Compatibility Ideographs and 〇 (ideographic zero, as
in 二〇二六年); punctuation (。，) and full-width letters are not Han, so they never decide a
text's language on their own.
"""

from __future__ import annotations

import re

HAN = re.compile(r"[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HAN_RUN = re.compile(HAN.pattern + "+")
