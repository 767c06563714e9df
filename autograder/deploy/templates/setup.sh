#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
/autograder/venv/bin/python -m pip install torch==$torch_version torchvision==$torchvision_version --index-url https://download.pytorch.org/whl/cpu
/autograder/venv/bin/python -m pip install -e /autograder/source/payload
