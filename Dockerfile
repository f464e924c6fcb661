# Porchlight in a container: the Docker Compose recipe in the README builds this.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . \
    && useradd --system --no-create-home porchlight \
    && mkdir /data && chown porchlight /data
USER porchlight
# With DATABASE_URL naming PostgreSQL nothing is kept here; with SQLite, mount a volume
# here (a named volume takes this folder's owner).
ENV PORCHLIGHT_DATA_DIR=/data
CMD ["python", "-m", "bot"]
