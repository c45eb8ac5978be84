"""Documents with a DTD, as a caller might send them to any entry point, and the refusal each
must get from the SSML parser (line and column of the DOCTYPE), wherever it arrives."""

from __future__ import annotations

# The billion laughs: a declaration, then a DTD whose entities expand to 10^5 "lol"s.
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 6))
    + "]><speak>&lol5;</speak>"
)
LAUGHS_REFUSAL = "SSML line 1, column 22: DTDs are not allowed"

# An external entity that names a local file, the DOCTYPE on the second line.
PASSWD = '<?xml version="1.0"?>\n<!DOCTYPE speak [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<speak>&xxe;</speak>'
PASSWD_REFUSAL = "SSML line 2, column 1: DTDs are not allowed"

# An external DTD, nothing before it.
SYSTEM = '<!DOCTYPE speak SYSTEM "file:///etc/passwd"><speak>hello</speak>'
SYSTEM_REFUSAL = "SSML line 1, column 1: DTDs are not allowed"

DOCUMENTS = [(LAUGHS, LAUGHS_REFUSAL), (PASSWD, PASSWD_REFUSAL), (SYSTEM, SYSTEM_REFUSAL)]
