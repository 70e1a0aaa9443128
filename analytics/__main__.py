from analytics.cli import app

app()
