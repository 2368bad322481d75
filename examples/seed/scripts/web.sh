#!/bin/sh
# The seed's web process. It was:
#   gunicorn config.wsgi:application --bind 0.0.0.0:"$PORT" --workers=2 \
#     --worker-tmp-dir /dev/shm --capture-output --enable-stdio-inheritance
# Every flag keeps Gunicorn's meaning (see docs/settings.md).
cd "$(dirname "$0")/.." || exit 1
exec narwhal config/app.ts:application --bind 0.0.0.0:"${PORT:-8000}" --workers=2 --worker-tmp-dir /dev/shm --capture-output --enable-stdio-inheritance
