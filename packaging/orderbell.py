"""The frozen app's entry script: PyInstaller starts from a file, this one runs ``orderbell``."""

from desktop.__main__ import main

raise SystemExit(main())
