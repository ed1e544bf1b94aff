"""One small module per Lambda function: Powertools decorators and one call."""
