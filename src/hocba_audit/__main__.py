from hocba_audit.cli import cli

cli()
