"""The one date and time format of the pages ("Mon 23 Nov 2026 09:08 EST"); `{{ value|when }}`
drops the year when it is the current one."""

DATE_FORMAT = "D j M Y"
SHORT_DATE_FORMAT = "D j M Y"
DATETIME_FORMAT = "D j M Y H:i T"
SHORT_DATETIME_FORMAT = "D j M Y H:i T"
TIME_FORMAT = "H:i"
