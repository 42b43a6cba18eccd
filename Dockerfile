# Weight Initialization Lab: one container, one Streamlit server on port 8501.
#   docker build -t weight-initialization-lab .
#   docker run --rm -p 8501:8501 weight-initialization-lab      # then open http://localhost:8501
# The same image runs as the replicas of compose.yaml and deploy/k8s/, and as a Hugging Face Space (the
# front matter at the top of README.md). tests/test_deploy.py checks this file against the app.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A user of its own (uid 1000, as Hugging Face Spaces expect); the app never runs as root.
RUN useradd --create-home --uid 1000 lab
WORKDIR /app

# The requirements first, in a layer of their own: a change to the app's code does not reinstall
# TensorFlow (about 600 MB); only a change to requirements.txt does.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY --chown=lab:lab . .
# The app's own modules compiled once, into the image: with PYTHONDONTWRITEBYTECODE set, every server
# start would compile them again before its first page (0.06-0.07 s of the first visit, bench/cold_start.py).
RUN python -m compileall -q dashboard.py pages ui charts initcore
USER lab

EXPOSE 8501
# Streamlit's own health endpoint answers "ok" once the server is up; the first visit imports numpy
# and pandas (altair for a view beyond the defaults, TensorFlow only when a class first trains).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]
CMD ["streamlit", "run", "dashboard.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
