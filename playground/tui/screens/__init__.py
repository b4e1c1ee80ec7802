"""Full-screen views opened over the playground."""
