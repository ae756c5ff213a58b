FROM python:3.12-slim

WORKDIR /srv
COPY pyproject.toml README.md LICENSE ./
COPY app app
COPY documents documents
COPY resolvers resolvers
COPY schema schema
COPY importers importers
RUN pip install --no-cache-dir .

ENV SITEBOOK_ENV=production
EXPOSE 8000
CMD ["sitebook", "serve", "--host", "0.0.0.0", "--port", "8000"]
